// The `recorded` policy (docs/spec.md §7.2): the recording kernel's own placements. Every
// allocation takes the traced pfn; with buddy-level events the free lists and per-CPU lists
// follow them (zone_locked takes, pcpu_drain frees, extfrag claims); compaction's untraced free
// scanner and the bulk allocator's untraced takes are modelled and counted. Nothing is decided:
// where the kernel's list order matters, the recording's generation says (trace header).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "memsim/config.hpp"
#include "policy/policy.hpp"
#include "stats/agreement.hpp"

namespace memsim {

class RecordedPolicy : public Policy {
public:
  RecordedPolicy(Zone& zone, const Config& config);

  void boot() override;
  Taken alloc(const AllocRequest& request) override;
  void free(PageIdx block, unsigned order, unsigned cpu, bool cold) override;
  ProbeAnswer probe(unsigned order, Migratetype mt) const override;
  const AllocatorCounters& counters() const override { return counters_; }
  void report(PolicyReport& out) const override;
  const std::vector<Migratetype>& list_types() const override;
  void config_json(nlohmann::ordered_json& out) const override;
  void check_invariants() const override;

  bool follows_trace() const override { return true; }
  void bind_trace(const TraceHeader& header) override;
  void place_start_pcp() override;
  void observe(const Event& event) override;
  void free_untracked(Pfn pfn, unsigned order, unsigned cpu) override;
  nlohmann::ordered_json section_json() const override;
  bool set_predicting(const std::string& name, std::unique_ptr<Policy> predicting) override;
  nlohmann::ordered_json agreement_json() const override;
  // The scores so far (docs/spec.md §7.4); policy empty without a predicting policy.
  const DecisionAgreement& agreement() const { return agreement_; }

  // What the replay could not reconcile with its state, by kind (the stats' `inconsistent`).
  const std::map<std::string, std::uint64_t>& inconsistent() const { return inconsistent_; }

private:
  static constexpr std::uint8_t kDirect = 2; // a take waiting for its mm_page_alloc (no pcp list)

  // The per-CPU list a block of `order` cached as `mt` sits on (non-requestable types ride
  // MOVABLE, as free_unref_page() puts them); the direct list of takes without a refill.
  PageList& list(unsigned cpu, unsigned order, Migratetype mt);
  PageList& direct(unsigned cpu) { return direct_[cpu]; }
  PageList& list_of(PageIdx block);
  void pcp_add(PageIdx block, unsigned order, Migratetype mt, unsigned cpu, std::uint8_t flags,
               bool tail);
  void pcp_remove(PageIdx block); // off its list, state tail
  // A per-CPU block released into the buddy as free_pcppages_bulk() does (cached type).
  void release_pcp(PageIdx block, Migratetype mt);
  // The per-CPU blocks overlapping [block, block + 2^order) released into the buddy; their count.
  unsigned release_overlapping(PageIdx block, unsigned order);
  // Takes [block, block + 2^order) off the free lists (per-CPU blocks in the way are released
  // first, counted as `kind`); false when part of it is in use.
  bool take(PageIdx block, unsigned order, const char* kind);
  // The start state's free blocks reordered on their lists by the trace's first takes
  // (docs/spec.md §7.1, docs/decisions.md 136).
  void order_start_free_lists();
  bool in_zone(Pfn pfn, unsigned order) const;
  static bool aligned(Pfn pfn, unsigned order);
  PageIdx index(Pfn pfn) const { return static_cast<PageIdx>(pfn - zone_.config().zone.start_pfn); }
  bool pcp_allowed(unsigned order) const;
  void count(const char* kind) { ++inconsistent_[kind]; }
  unsigned cpu_index(std::uint32_t cpu) const { return cpu % config_.zone.cpus; }

  // Decision agreement (recorded_predict.cpp, docs/spec.md §7.4).
  void predict_observe(const Event& e);
  // A zone_locked take of `block` (6.1: its prediction may wait from the extfrag line before).
  void predict_take(PageIdx block, const Event& e);
  // An extfrag line: __rmqueue asked before the fallback changes anything.
  void predict_fallback(const Event& e);
  // A traced take of `block` (order, requested type) the predictor answered `predicted` to.
  void score_buddy(PageIdx predicted, PageIdx block, const Event& e);
  void score_pcp_alloc(PageIdx block, const AllocRequest& request);
  void score_drain(PageIdx block, unsigned order, Migratetype mt);
  // What a take of `block` (order, mt) from mt's own lists proves: the smaller lists it skipped
  // and a head passed over three times were not free; they leave the lists (set aside).
  void repair(PageIdx block, unsigned order, Migratetype mt);
  void set_aside(PageIdx block, unsigned order);
  // A take shows its block free: set-aside blocks and compaction targets in it go back into the
  // buddy before the predicting policy is asked.
  void put_back(PageIdx block, unsigned order);
  // Set-aside blocks overlapping [block, block + 2^order) go back into the buddy; their count.
  unsigned release_set_aside(PageIdx block, unsigned order);
  bool in_model(PageIdx block) const { return !in_model_.empty() && in_model_[block]; }

  void zone_locked(const Event& e);
  void pcpu_drain(const Event& e);
  void extfrag(const Event& e);
  void claim(const Event& e);
  void fallback_take(const Event& e);
  // Compaction (recorded_compaction.cpp): the free scanner's migration targets.
  void compaction_begin(const Event& e);
  void migrate(const Event& e);
  void isolate_freepages(const Event& e);
  bool take_target(PageIdx page);
  bool isolate_target(PageIdx page);
  void isolate_freepages_61(std::uint64_t wanted);
  void compaction_end();
  bool suitable_migration_target(PageIdx block_start) const;
  void release_untracked(PageIdx block, unsigned order);
  bool inside_live(PageIdx block, unsigned order) const;
  // The model's compaction targets inside the block were free after all (the kernel takes or
  // allocates them): back into the buddy; their count.
  unsigned release_targets(PageIdx block, unsigned order);

  Zone& zone_;
  Config config_;
  AllocatorCounters counters_;
  const TraceHeader* header_ = nullptr;
  KernelVersion kernel_{6, 1};
  bool traced_isolation_ = false;      // the trace has mm_compaction_isolate_freepages lines
  std::vector<PageList> lists_;        // [cpu][order][requestable type]
  std::vector<PageList> direct_;       // [cpu]
  std::vector<std::uint16_t> cpu_of_;  // per page: the CPU of the per-CPU block it heads
  std::vector<bool> fallback_pending_; // [cpu]: 6.1's extfrag before its zone_locked retry
  absl::flat_hash_set<PageIdx> untracked_live_; // compaction targets and silent allocations
  bool free_hint_ = false;                      // Event::flag of the free being applied
  bool in_compaction_ = false;
  PageIdx scan_ = 0; // the free scanner's position (isolate_freepages, cc->free_pfn)
  bool scan_done_ = false;
  std::vector<PageIdx> spare_targets_; // cc->freepages: isolated, not yet handed out
  std::uint64_t silent_allocs_ = 0, compaction_targets_ = 0, outside_zone_ = 0;
  std::map<std::string, std::uint64_t> inconsistent_;

  // --- with a predicting policy (--predict) ---
  std::unique_ptr<Policy> predicting_;
  Predictor* predictor_ = nullptr;
  PcpModel* model_ = nullptr;  // its per-CPU lists hold the cached orders
  std::vector<bool> in_model_; // per page: heads a block on model_'s lists
  std::uint64_t model_blocks_ = 0;
  DecisionAgreement agreement_;
  std::vector<std::optional<PageIdx>> pending_;          // [cpu]: 6.1's prediction at its extfrag
  std::vector<PageIdx> freed_just_;                      // [cpu]: the per-CPU free just applied
  std::vector<bool> draining_;                           // [cpu]: a drain of its lists is running
  std::uint64_t pos_ = 0;                                // the position of the event observed
  absl::flat_hash_map<PageIdx, std::uint8_t> set_aside_; // block -> order (repairs)
  absl::flat_hash_map<PageIdx, std::uint32_t> passed_over_; // list head -> times passed over
};

} // namespace memsim
