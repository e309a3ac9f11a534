// The local executor of sweep_run.hpp: balanced jobs per trace, a pool of run slots shared by
// the job threads, each job's configs layered as compare layers them (defaults < trace header <
// the spec's set values < the policy entry's overrides) and replayed by run_compare.
#include "sim/sweep_run.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <list>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "memsim/error.hpp"
#include "sim/compare.hpp"

namespace memsim {
namespace {

// Run slots: a job takes as many as it has runs, and waits until they are free. Once a job has
// failed nobody gets any.
class SlotPool {
public:
  explicit SlotPool(std::size_t slots) : free_(slots) {}

  bool acquire(std::size_t n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return free_ >= n || failed_; });
    if (failed_) return false;
    free_ -= n;
    return true;
  }
  void release(std::size_t n, bool failed) {
    const std::lock_guard lock(mutex_);
    free_ += n;
    failed_ = failed_ || failed;
    changed_.notify_all();
  }

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t free_;
  bool failed_ = false;
};

// A job's thread; `done` is set as its last act, so a finished worker is joined at once.
struct Worker {
  std::shared_ptr<std::atomic<bool>> done = std::make_shared<std::atomic<bool>>(false);
  std::jthread thread;
};

std::string describe(const SweepPlan& plan, const SweepRun& run) {
  std::string set;
  for (std::size_t g = 0; g < plan.spec.set.size(); ++g)
    set += fmt::format(" {}={}", plan.spec.set[g].key,
                       grid_value_text(plan.spec.set[g].values[run.set[g]]));
  return fmt::format("sweep run {}: trace {}, policy {}{}", run.id, plan.traces[run.trace].name,
                     plan.spec.policies[run.policy], set.empty() ? "" : ", set" + set);
}

// The run's config and policy: the trace header, the set values, then the entry's overrides.
// The whole entry list is planned (as compare plans it), so a set region_aware.* key is
// checked against the sweep's policies, not against this run's alone.
CompareRun plan_run(const SweepPlan& plan, const SweepRun& run, const TraceHeader& header) {
  const SweepTrace& trace = plan.traces[run.trace];
  ConfigBuilder layers;
  layers.apply_header_zone(header.zone, trace.path + ": header");
  for (std::size_t g = 0; g < plan.spec.set.size(); ++g)
    layers.set(plan.spec.set[g].key, plan.spec.set[g].values[run.set[g]], plan.spec_file + ": set");
  std::vector<PolicyEntry> entries;
  for (const std::string& entry : plan.spec.policies)
    entries.push_back(parse_policy_entries(entry).front());
  return plan_compare_runs(entries, layers)[run.policy];
}

// Replays the job's runs over one read of its trace. Errors name the job's first run.
std::vector<RunStats> run_job(const SweepPlan& plan, const SweepJob& job,
                              const SweepExecution& execution) {
  const SweepRun& first = plan.runs[job.runs.front()];
  try {
    const OpenedTrace opened = execution.open(plan.traces[job.trace]);
    std::vector<CompareRun> runs;
    for (const std::uint64_t id : job.runs)
      runs.push_back(plan_run(plan, plan.runs[id], opened.reader->header()));
    CompareOptions options;
    options.replay.interval = opened.interval;
    return run_compare(*opened.reader, plan.traces[job.trace].path, runs, options);
  } catch (const InputError& e) {
    throw InputError(fmt::format("{} ({})", e.what(), describe(plan, first)));
  } catch (const InternalError& e) {
    throw InternalError(fmt::format("{} ({})", e.what(), describe(plan, first)));
  }
}

} // namespace

std::vector<SweepJob> plan_sweep_jobs(const SweepPlan& plan,
                                      const std::vector<std::uint64_t>& pending, unsigned slots) {
  const std::size_t most = std::max(1u, slots);
  std::vector<SweepJob> jobs;
  for (std::size_t begin = 0; begin < pending.size();) {
    const std::size_t trace = plan.runs.at(pending[begin]).trace;
    std::size_t end = begin;
    while (end < pending.size() && plan.runs.at(pending[end]).trace == trace) ++end;
    const std::size_t n = end - begin, count = (n + most - 1) / most;
    for (std::size_t k = 0; k < count; ++k) {
      SweepJob job{trace, {}};
      for (std::size_t i = begin + n * k / count; i < begin + n * (k + 1) / count; ++i)
        job.runs.push_back(pending[i]);
      jobs.push_back(std::move(job));
    }
    begin = end;
  }
  return jobs;
}

void execute_sweep(const SweepPlan& plan, const std::vector<SweepJob>& jobs,
                   const SweepExecution& execution) {
  const std::size_t slots = std::max(1u, execution.slots);
  SlotPool pool(slots);
  std::mutex mutex; // guards `finished` calls and `errors`
  std::vector<std::pair<std::uint64_t, std::exception_ptr>> errors;
  {
    std::list<Worker> workers; // joined on leaving the block, even by an exception
    for (const SweepJob& job : jobs) {
      const std::size_t need = std::min(slots, job.runs.size());
      if (!pool.acquire(need)) break;
      workers.remove_if([](const Worker& w) { return w.done->load(); }); // joins them
      Worker& worker = workers.emplace_back();
      worker.thread = std::jthread([&, need, done = worker.done] {
        bool failed = false;
        try {
          std::vector<RunStats> stats = run_job(plan, job, execution);
          const std::lock_guard lock(mutex);
          for (std::size_t i = 0; i < stats.size(); ++i)
            execution.finished(plan.runs[job.runs[i]], std::move(stats[i]));
        } catch (...) {
          const std::lock_guard lock(mutex);
          errors.emplace_back(job.runs.front(), std::current_exception());
          failed = true;
        }
        pool.release(need, failed);
        done->store(true);
      });
    }
  }
  if (errors.empty()) return;
  std::rethrow_exception(
      std::min_element(errors.begin(), errors.end(), [](const auto& a, const auto& b) {
        return a.first < b.first;
      })->second);
}

} // namespace memsim
