// The cluster side of a sweep (docs/sweep.md): `memsim sweep SPEC -o DIR --emit parallel` prints
// a GNU parallel job list, one `memsim sweep SPEC -o DIR --run N` command per line, and
// `--emit slurm` a job-array script with one run per task index. Each task writes its own run
// file; `memsim sweep --merge DIR` gathers them. memsim brings no scheduler of its own.
#pragma once

#include <string>
#include <string_view>

#include "sim/sweep_plan.hpp"

namespace memsim {

// Absolute paths that the emitted commands use, so they work from any directory or ssh login.
struct SweepCommandPaths {
  std::string memsim; // the memsim executable
  std::string spec;   // the spec file
  std::string dir;    // the sweep directory (-o)
};

// `arg` quoted for a POSIX shell when it needs it (GNU parallel runs each line through one).
std::string shell_word(std::string_view arg);

// One line per run, in run order: MEMSIM sweep SPEC -o DIR --run N.
std::string parallel_job_list(const SweepPlan& plan, const SweepCommandPaths& paths);

// A bash script for sbatch: #SBATCH --array=0-(N-1), the spec's resources, task logs in
// DIR/logs, and the task running its run. Throws InputError for a path a #SBATCH line cannot
// hold (a double quote or a line break).
std::string slurm_script(const SweepPlan& plan, const SweepCommandPaths& paths);

} // namespace memsim
