// Planning a sweep (sweep_plan.hpp): trace paths resolved against the spec file's directory
// (glob(3) for patterns, sorted as glob sorts them), runs numbered in the nesting order of
// docs/spec.md §10, and DIR/plan.json written and read back with every field checked.
#include "sim/sweep_plan.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <glob.h>

#include "memsim/error.hpp"

namespace memsim {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

bool is_pattern(std::string_view path) {
  return path.find_first_of("*?[") != std::string_view::npos;
}

// `dir` with glob's special characters escaped, so only the spec's own pattern matches.
std::string glob_escaped(const std::string& dir) {
  std::string out;
  for (const char c : dir) {
    if (std::string_view("*?[]\\").find(c) != std::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// The files a trace entry names, each as (name relative to the spec, absolute path).
std::vector<std::pair<std::string, std::string>>
trace_files(const std::string& written, const fs::path& dir, const std::string& where) {
  if (written == "-") throw InputError(where + ": standard input cannot be swept");
  if (!is_pattern(written)) {
    const fs::path path = (dir / written).lexically_normal();
    std::error_code error;
    if (!fs::is_regular_file(path, error) && !fs::is_fifo(path, error))
      throw InputError(fmt::format("{}: {}: no such file", where, path.string()));
    return {{written, path.string()}};
  }
  const bool relative = fs::path(written).is_relative();
  const std::string prefix = relative ? glob_escaped(dir.string() + "/") : "";
  glob_t found{};
  const int status = ::glob((prefix + written).c_str(), 0, nullptr, &found);
  std::vector<std::pair<std::string, std::string>> out;
  const std::size_t skip = relative ? dir.string().size() + 1 : 0;
  for (std::size_t i = 0; status == 0 && i < found.gl_pathc; ++i) {
    const std::string match = found.gl_pathv[i];
    out.emplace_back(match.substr(skip), fs::path(match).lexically_normal().string());
  }
  ::globfree(&found);
  if (out.empty()) throw InputError(fmt::format("{}: \"{}\" matches no file", where, written));
  return out;
}

std::string resolve_dir(const std::string& written, const fs::path& dir, const std::string& where) {
  if (written.empty()) return {};
  const fs::path path = (dir / written).lexically_normal();
  std::error_code error;
  if (!fs::exists(path, error))
    throw InputError(fmt::format("{}: {}: no such file or directory", where, path.string()));
  return path.string();
}

void number_runs(SweepPlan& plan, const std::string& origin) {
  const SweepSpec& spec = plan.spec;
  if (plan.traces.size() * combination_count(spec.set) * spec.policies.size() > kMaxSweepRuns)
    throw InputError(
        fmt::format("{}: traces x policies x set: more than {} runs", origin, kMaxSweepRuns));
  const auto combinations = grid_combinations(plan.spec.set);
  plan.runs.clear();
  for (std::size_t t = 0; t < plan.traces.size(); ++t) {
    for (std::size_t p = 0; p < plan.spec.policies.size(); ++p) {
      for (const auto& set : combinations) plan.runs.push_back({plan.runs.size(), t, p, set});
    }
  }
}

const ojson& member(const ojson& object, const char* key, const std::string& where) {
  if (!object.is_object() || !object.contains(key))
    throw InputError(fmt::format("{}: missing \"{}\"", where, key));
  return object[key];
}

std::string text_member(const ojson& object, const char* key, const std::string& where,
                        bool required) {
  if (!required && object.is_object() && !object.contains(key)) return {};
  const ojson& value = member(object, key, where);
  if (!value.is_string()) throw InputError(fmt::format("{}.{}: not a string", where, key));
  return value.get<std::string>();
}

// plan.json's resolved traces, each matching one of the spec's entries.
std::vector<SweepTrace> traces_from_json(const ojson& list, const SweepSpec& spec,
                                         const std::string& where) {
  if (!list.is_array() || list.empty())
    throw InputError(where + ": \"traces\": expected a non-empty array");
  std::vector<SweepTrace> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = fmt::format("{}: traces[{}]", where, i);
    SweepTrace t{text_member(list[i], "trace", at, true), text_member(list[i], "path", at, true),
                 text_member(list[i], "proc_in", at, false),
                 text_member(list[i], "proc_expect", at, false), 0};
    const ojson& entry = member(list[i], "entry", at);
    if (!entry.is_number_unsigned() || entry.get<std::size_t>() >= spec.traces.size())
      throw InputError(at + ".entry: not an index of spec.traces");
    t.entry = entry.get<std::size_t>();
    out.push_back(std::move(t));
  }
  return out;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw InputError(fmt::format("{}: cannot read", path));
  return text.str();
}

} // namespace

SweepPlan plan_sweep(const SweepSpec& spec, const std::string& spec_file) {
  SweepPlan plan;
  plan.spec_file = fs::absolute(spec_file).lexically_normal().string();
  plan.spec = spec;
  const fs::path dir = fs::path(plan.spec_file).parent_path();
  for (std::size_t i = 0; i < spec.traces.size(); ++i) {
    const SweepTraceSpec& written = spec.traces[i];
    const std::string where = fmt::format("{}: traces[{}]", spec_file, i);
    const std::string proc_in = resolve_dir(written.proc_in, dir, where + ".proc_in");
    const std::string proc_expect = resolve_dir(written.proc_expect, dir, where + ".proc_expect");
    for (auto& [name, path] : trace_files(written.path, dir, where + ".path")) {
      for (const SweepTrace& other : plan.traces) {
        if (other.name == name)
          throw InputError(fmt::format("{}.path: trace \"{}\" appears twice", where, name));
      }
      plan.traces.push_back({name, path, proc_in, proc_expect, i});
    }
  }
  number_runs(plan, spec_file);
  return plan;
}

SweepPlan load_sweep_plan(const std::string& spec_file) {
  return plan_sweep(read_sweep_spec(spec_file), spec_file);
}

ojson sweep_plan_to_json(const SweepPlan& plan) {
  ojson out{{"memsim_sweep_plan", 1}, {"spec_file", plan.spec_file}};
  out["spec"] = sweep_spec_to_json(plan.spec);
  out["traces"] = ojson::array();
  for (const SweepTrace& t : plan.traces) {
    ojson trace{{"trace", t.name}, {"path", t.path}, {"entry", t.entry}};
    if (!t.proc_in.empty()) trace["proc_in"] = t.proc_in;
    if (!t.proc_expect.empty()) trace["proc_expect"] = t.proc_expect;
    out["traces"].push_back(trace);
  }
  out["runs"] = ojson::array();
  for (const SweepRun& run : plan.runs) out["runs"].push_back(sweep_run_object(plan, run));
  return out;
}

SweepPlan sweep_plan_from_json(const ojson& doc, const std::string& origin) {
  if (!doc.is_object() || !doc.contains("memsim_sweep_plan") || doc["memsim_sweep_plan"] != 1)
    throw InputError(origin + ": not a memsim sweep plan (no \"memsim_sweep_plan\": 1)");
  SweepPlan plan;
  plan.spec_file = text_member(doc, "spec_file", origin, true);
  plan.spec = parse_sweep_spec(member(doc, "spec", origin).dump(), origin + ": spec");
  plan.traces = traces_from_json(member(doc, "traces", origin), plan.spec, origin);
  number_runs(plan, origin);
  ojson runs = ojson::array();
  for (const SweepRun& run : plan.runs) runs.push_back(sweep_run_object(plan, run));
  if (nlohmann::json(member(doc, "runs", origin)) != nlohmann::json(runs))
    throw InputError(origin + ": \"runs\" are not the runs of its traces, policies and set");
  return plan;
}

SweepPlan read_sweep_plan(const std::string& path) {
  ojson doc;
  try {
    doc = ojson::parse(read_text(path));
  } catch (const nlohmann::json::exception&) {
    throw InputError(path + ": not valid JSON (not a sweep plan written by memsim)");
  }
  return sweep_plan_from_json(doc, path);
}

bool same_sweep(const SweepPlan& a, const SweepPlan& b) {
  const auto identity = [](const SweepPlan& plan) {
    ojson out = ojson::array();
    for (const SweepTrace& t : plan.traces) {
      const SweepTraceSpec& written = plan.spec.traces[t.entry];
      out.push_back({t.name, written.proc_in, written.proc_expect});
    }
    for (const SweepRun& run : plan.runs) out.push_back(sweep_run_object(plan, run));
    return out;
  };
  return identity(a) == identity(b);
}

ojson sweep_run_object(const SweepPlan& plan, const SweepRun& run) {
  ojson set = ojson::object();
  for (std::size_t g = 0; g < plan.spec.set.size(); ++g)
    set[plan.spec.set[g].key] = plan.spec.set[g].values[run.set[g]];
  return {{"run", run.id},
          {"trace", plan.traces[run.trace].name},
          {"policy", plan.spec.policies[run.policy]},
          {"set", set}};
}

std::string sweep_run_file_name(std::uint64_t id) {
  return fmt::format("{:04}.json", id);
}

} // namespace memsim
