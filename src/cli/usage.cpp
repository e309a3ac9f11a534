// The command line's own messages (cli/commands.hpp): CLI11's parse errors turned into one line
// `memsim: ...` naming the option (and, for an option of another command, that command), the
// validators of numeric options, the check that at most one output goes to standard output,
// the argv kept for the stats' provenance, and the --version text.
#include <algorithm>
#include <charconv>

#include <CLI/Version.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "memsim/error.hpp"
#include "report/text_format.hpp"
#include "trace/codecs.hpp"

namespace memsim::cli {

namespace {

std::vector<std::string>& stored_command_line() {
  static std::vector<std::string> argv;
  return argv;
}

// "replay", "import ftrace": the command as typed after `memsim`.
std::string command_path(const CLI::App* app) {
  std::string path;
  for (; app != nullptr && app->get_parent() != nullptr; app = app->get_parent())
    path = app->get_name() + (path.empty() ? "" : " " + path);
  return path;
}

// The deepest command that the parse entered.
CLI::App* parsed_command(CLI::App& app) {
  CLI::App* current = &app;
  for (;;) {
    const std::vector<CLI::App*> parsed = current->get_subcommands();
    if (parsed.empty()) return current;
    current = parsed.front();
  }
}

void all_commands(CLI::App& app, std::vector<CLI::App*>& out) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    out.push_back(sub);
    all_commands(*sub, out);
  }
}

std::string command_names(CLI::App& app) {
  std::string names;
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    names += (names.empty() ? "" : ", ") + sub->get_name();
  return names;
}

// "replay", "replay and compare": the commands that have option `name`.
std::string owners_of(CLI::App& app, const std::string& name, const CLI::App* except) {
  std::vector<std::string> owners;
  std::vector<CLI::App*> commands;
  all_commands(app, commands);
  for (CLI::App* command : commands) {
    if (command != except && command->get_option_no_throw(name) != nullptr)
      owners.push_back(command_path(command));
  }
  std::string out;
  for (std::size_t i = 0; i < owners.size(); ++i)
    out += (i == 0 ? "" : i + 1 == owners.size() ? " and " : ", ") + owners[i];
  return out;
}

std::string extras_message(CLI::App& app, CLI::App& parsed) {
  // The arguments left over belong to the command that saw them: the top level's come first.
  CLI::App& command = app.remaining().empty() ? parsed : app;
  const std::vector<std::string> extras = command.remaining();
  const std::string where = command_path(&command);
  for (const std::string& token : extras) {
    if (token.size() < 2 || token[0] != '-') continue;
    const std::string name = token.substr(0, token.find('='));
    if (command.get_option_no_throw(name) != nullptr) continue;
    const std::string owners = owners_of(app, name, &command);
    if (!owners.empty() && where.empty())
      return fmt::format("memsim: {} is an option of {}: put it after the command (memsim {} "
                         "... {})",
                         name, owners, owners.substr(0, owners.find(' ')), name);
    if (!owners.empty())
      return fmt::format("memsim: {} is an option of {}, not {}", name, owners, where);
    if (where.empty())
      return fmt::format("memsim: unknown option {} (memsim --help lists the commands)", name);
    return fmt::format("memsim: {}: unknown option {} (memsim {} --help lists the options)", where,
                       name, where);
  }
  const std::string first = extras.empty() ? std::string() : extras.front();
  if (where.empty())
    return fmt::format("memsim: unknown command '{}'; the commands are {} (memsim --help)", first,
                       command_names(app));
  return fmt::format("memsim: {}: unexpected argument '{}' (memsim {} --help)", where, first,
                     where);
}

// CLI11's text for option errors starts with the option's names ("--json: 1 required ...").
std::string option_message(const CLI::App& command, const std::string& what) {
  const std::string where = command_path(&command);
  if (what.rfind("-", 0) == 0)
    return fmt::format("memsim: {}{}{}", where, where.empty() ? "" : " ", what);
  return fmt::format("memsim: {}{}{}", where, where.empty() ? "" : ": ", what);
}

// "--json: 1 required TEXT missing" -> "--json needs a value (FILE)".
std::string mismatch_message(CLI::App& command, const std::string& what) {
  const std::string name = what.substr(0, what.find(':'));
  const CLI::Option* option = command.get_option_no_throw(name);
  if (option == nullptr || what.find("required") == std::string::npos)
    return option_message(command, what);
  return option_message(command,
                        fmt::format("{}: needs a value ({})", name, option->get_type_name()));
}

} // namespace

std::vector<std::optional<std::string>> run_labels(const std::vector<std::string>& names,
                                                   const std::vector<std::string>& labels) {
  std::vector<std::optional<std::string>> out(names.size());
  std::string runs;
  for (std::size_t i = 0; i < names.size(); ++i)
    runs += fmt::format("{}{} {}", i == 0 ? "" : ", ", i + 1, names[i]);
  for (const std::string& label : labels) {
    std::vector<std::size_t> matches;
    std::size_t longest = 0;
    for (std::size_t i = 0; i < names.size(); ++i) {
      const std::string& name = names[i];
      if (label.size() <= name.size() || label.compare(0, name.size(), name) != 0 ||
          label[name.size()] != '=' || name.size() < longest)
        continue;
      if (name.size() > longest) matches.clear();
      longest = name.size();
      matches.push_back(i);
    }
    const std::string key = label.substr(0, label.find('='));
    std::size_t position = 0;
    const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), position);
    if (matches.empty() && ec == std::errc{} && end == key.data() + key.size() && position >= 1 &&
        position <= names.size()) {
      matches.push_back(position - 1);
      longest = key.size();
    }
    if (label.find('=') == std::string::npos || matches.empty())
      throw InputError(fmt::format("--label {}: expected RUN=TEXT, RUN one of the runs or its "
                                   "position ({})",
                                   label, runs));
    if (matches.size() > 1)
      throw InputError(fmt::format("--label {}: {} names {} runs; give its position instead ({})",
                                   label, key, matches.size(), runs));
    out[matches.front()] = label.substr(longest + 1);
  }
  return out;
}

void record_command_line(int argc, char** argv) {
  stored_command_line().assign(argv, argv + argc);
}

const std::vector<std::string>& command_line() {
  return stored_command_line();
}

std::string usage_message(CLI::App& app, const CLI::ParseError& error) {
  CLI::App& command = *parsed_command(app);
  std::string what = error.what();
  what = what.substr(0, what.find('\n'));
  const bool at_top = &command == &app;
  if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr ||
      (at_top && !app.remaining().empty()))
    return extras_message(app, command);
  if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr &&
      what.find("subcommand") != std::string::npos) {
    return at_top ? fmt::format("memsim: a command is required: {} (memsim --help)",
                                command_names(app))
                  : fmt::format("memsim: {}: a format is required: {} (memsim {} --help)",
                                command_path(&command), command_names(command),
                                command_path(&command));
  }
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&error) != nullptr)
    return mismatch_message(command, what);
  if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr) {
    const std::string where = command_path(&command);
    return fmt::format("memsim: {}{}{} (memsim {}{}--help)", where, where.empty() ? "" : ": ", what,
                       where, where.empty() ? "" : " ");
  }
  return option_message(command, what);
}

std::string error_line(const std::string& message) {
  return message.rfind("--", 0) == 0 ? "memsim: " + message : message;
}

CLI::Validator positive_integer() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::uint64_t n = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec == std::errc{} && end == text.data() + text.size() && n > 0) return {};
        return fmt::format("expected a positive integer, got '{}'", text);
      },
      "");
}

CLI::Validator unsigned_integer() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::uint64_t n = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec == std::errc{} && end == text.data() + text.size()) return {};
        return fmt::format("expected an unsigned integer, got '{}'", text);
      },
      "");
}

void check_outputs(std::string_view command, const std::vector<NamedOutput>& outputs) {
  const NamedOutput* first = nullptr;
  for (const NamedOutput& output : outputs) {
    if (*output.path != "-") continue;
    if (output.directory)
      throw InputError(fmt::format("memsim: {} {}: needs a directory, not - (standard output)",
                                   command, output.option));
    if (first != nullptr)
      throw InputError(fmt::format("memsim: {}: {} and {} both write to standard output (-); "
                                   "at most one output can",
                                   command, first->option, output.option));
    first = &output;
  }
}

std::string version_text() {
  return fmt::format(
      "memsim {} (git {})\nbuilt with CLI11 {}, fmt {}.{}.{}, nlohmann_json {}.{}.{}, "
      "{}",
      memsim_version(), memsim_revision(), CLI11_VERSION, FMT_VERSION / 10000,
      FMT_VERSION / 100 % 100, FMT_VERSION % 100, NLOHMANN_JSON_VERSION_MAJOR,
      NLOHMANN_JSON_VERSION_MINOR, NLOHMANN_JSON_VERSION_PATCH, trace::library_versions());
}

} // namespace memsim::cli
