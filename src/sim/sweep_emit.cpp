// The job list and job-array script of sweep_emit.hpp. The commands name every path absolutely
// and quote it for the shell; the script's #SBATCH lines take double-quoted paths, as sbatch's
// option parser reads them.
#include "sim/sweep_emit.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "memsim/error.hpp"

namespace memsim {
namespace {

std::string run_command(const SweepCommandPaths& paths, std::string_view run) {
  return fmt::format("{} sweep {} -o {} --run {}", shell_word(paths.memsim), shell_word(paths.spec),
                     shell_word(paths.dir), run);
}

// A job list holds one command a line, and so does a script: no path may break a line.
void check_paths(const SweepCommandPaths& paths, const char* emit) {
  for (const std::string* path : {&paths.memsim, &paths.spec, &paths.dir}) {
    if (path->find_first_of("\n\r") != std::string::npos)
      throw InputError(fmt::format("--emit {}: path \"{}\" holds a line break", emit, *path));
  }
}

std::string sbatch_path(const std::string& path) {
  if (path.find('"') != std::string::npos)
    throw InputError(fmt::format("--emit slurm: {}: a #SBATCH line cannot hold a path with a "
                                 "double quote",
                                 path));
  return path.find_first_of(" \t") == std::string::npos ? path : "\"" + path + "\"";
}

} // namespace

std::string shell_word(std::string_view arg) {
  const bool plain = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("_-./:=+,@%").find(c) != std::string_view::npos;
  });
  if (plain) return std::string(arg);
  std::string quoted = "'";
  for (const char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string parallel_job_list(const SweepPlan& plan, const SweepCommandPaths& paths) {
  check_paths(paths, "parallel");
  std::string out;
  for (const SweepRun& run : plan.runs) out += run_command(paths, std::to_string(run.id)) + "\n";
  return out;
}

std::string slurm_script(const SweepPlan& plan, const SweepCommandPaths& paths) {
  check_paths(paths, "slurm");
  const SweepResources& r = plan.spec.resources;
  std::string out = "#!/bin/bash\n";
  out +=
      fmt::format("#SBATCH --job-name=memsim-sweep\n#SBATCH --array=0-{}\n", plan.runs.size() - 1);
  out += fmt::format("#SBATCH --output={}\n", sbatch_path(paths.dir + "/logs/%A_%a.out"));
  if (r.cpus) out += fmt::format("#SBATCH --cpus-per-task={}\n", *r.cpus);
  if (!r.mem.empty()) out += fmt::format("#SBATCH --mem={}\n", r.mem);
  if (!r.time.empty()) out += fmt::format("#SBATCH --time={}\n", r.time);
  if (!r.partition.empty()) out += fmt::format("#SBATCH --partition={}\n", r.partition);
  out += fmt::format("# memsim sweep of {} runs: {}\n", plan.runs.size(), shell_word(paths.spec));
  out += "# One run per array task; when all are done: memsim sweep --merge " +
         shell_word(paths.dir) + "\n";
  out += "exec " + run_command(paths, "\"$SLURM_ARRAY_TASK_ID\"") + "\n";
  return out;
}

} // namespace memsim
