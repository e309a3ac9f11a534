// The plan of a sweep (docs/sweep.md, docs/spec.md §10): a spec's traces resolved against the
// spec file's directory (globs expanded), and its runs numbered 0..N-1 with the trace outermost,
// then the policy entries, then the set grid's keys in key order. The plan is stored as
// DIR/plan.json so that the tasks of a cluster and `memsim sweep --merge` agree on what the runs
// are; each run's stats document carries its "sweep" object.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/sweep_spec.hpp"

namespace memsim {

struct SweepTrace {
  std::string name;        // as the spec writes it (a glob's match, relative to the spec file)
  std::string path;        // absolute: what the runs read
  std::string proc_in;     // absolute; "" when absent
  std::string proc_expect; // absolute; "" when absent
  std::size_t entry = 0;   // the spec's trace entry it came from (SweepSpec::traces)
};

struct SweepRun {
  std::uint64_t id = 0;
  std::size_t trace = 0;        // index into SweepPlan::traces
  std::size_t policy = 0;       // index into SweepPlan::policies
  std::vector<std::size_t> set; // one value index per grid of SweepPlan::set
};

struct SweepPlan {
  std::string spec_file; // absolute
  SweepSpec spec;        // policies expanded, traces as written
  std::vector<SweepTrace> traces;
  std::vector<SweepRun> runs; // in id order
};

// Resolves the spec's traces against `spec_file`'s directory and numbers the runs. Throws
// InputError("SPEC: traces[1].path: ...") for a missing file, a glob without match or two
// traces of the same name.
SweepPlan plan_sweep(const SweepSpec& spec, const std::string& spec_file);
// read_sweep_spec + plan_sweep.
SweepPlan load_sweep_plan(const std::string& spec_file);

// DIR/plan.json: {"memsim_sweep_plan": 1, "spec_file": ..., "spec": {...}, "traces": [...],
// "runs": [{"run": 0, "trace": ..., "policy": ..., "set": {...}}, ...]}.
nlohmann::ordered_json sweep_plan_to_json(const SweepPlan& plan);
// Reads it back, checking it as an input ("ORIGIN: ..."): the runs must be the ones its traces,
// policies and set grid number.
SweepPlan sweep_plan_from_json(const nlohmann::ordered_json& document, const std::string& origin);
SweepPlan read_sweep_plan(const std::string& path);
// The same runs (traces by name and snapshots as written, policies, set values), wherever the
// files are.
bool same_sweep(const SweepPlan& a, const SweepPlan& b);

// The "sweep" object of a run's stats: {"run": N, "trace": ..., "policy": ..., "set": {...}}.
nlohmann::ordered_json sweep_run_object(const SweepPlan& plan, const SweepRun& run);
// "0007.json": the run's file under DIR/runs/.
std::string sweep_run_file_name(std::uint64_t id);

} // namespace memsim
