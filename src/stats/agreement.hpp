// The decision agreement of a predicting policy with the recorded kernel (docs/spec.md §7.4):
// per level (buddy takes, per-CPU pages) the traced decisions, how many the policy predicted,
// by order and migratetype, and the first misses with their trace line.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "memsim/types.hpp"

namespace memsim {

struct AgreementMiss {
  std::uint64_t line = 0; // the traced decision's position (trace line)
  Pfn pfn = 0;            // what the kernel took or drained
  bool predicted_none = false;
  Pfn predicted = 0; // what the policy said (when it said something)
  unsigned order = 0;
  Migratetype mt = Migratetype::movable;
};

struct AgreementCount {
  std::uint64_t takes = 0;
  std::uint64_t hits = 0;
};

class AgreementLevel {
public:
  static constexpr std::size_t kFirstMisses = 20;

  // One traced decision and whether the policy predicted it.
  void score(bool hit, const AgreementMiss& what);

  const AgreementCount& total() const { return total_; }
  const std::map<unsigned, AgreementCount>& by_order() const { return by_order_; }
  const std::map<Migratetype, AgreementCount>& by_migratetype() const { return by_mt_; }
  const std::vector<AgreementMiss>& first_misses() const { return misses_; }
  // hits / takes; null without takes.
  nlohmann::ordered_json rate_json() const;
  nlohmann::ordered_json to_json() const;

private:
  AgreementCount total_;
  std::map<unsigned, AgreementCount> by_order_;
  std::map<Migratetype, AgreementCount> by_mt_;
  std::vector<AgreementMiss> misses_;
};

struct DecisionAgreement {
  std::string policy; // the predicting policy's name
  AgreementLevel buddy;
  AgreementLevel pcp;
  std::uint64_t repairs = 0; // blocks the takes proved were not free (recorded.repairs)
  nlohmann::ordered_json to_json() const;
};

} // namespace memsim
