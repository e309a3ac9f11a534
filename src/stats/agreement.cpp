// Decision agreement counts and their JSON (agreement.hpp, docs/spec.md §7.4).
#include "stats/agreement.hpp"

namespace memsim {

void AgreementLevel::score(bool hit, const AgreementMiss& what) {
  for (AgreementCount* c : {&total_, &by_order_[what.order], &by_mt_[what.mt]}) {
    ++c->takes;
    if (hit) ++c->hits;
  }
  if (!hit && misses_.size() < kFirstMisses) misses_.push_back(what);
}

nlohmann::ordered_json AgreementLevel::rate_json() const {
  if (total_.takes == 0) return nullptr;
  return static_cast<double>(total_.hits) / static_cast<double>(total_.takes);
}

namespace {

nlohmann::ordered_json count_json(const AgreementCount& c) {
  return {{"takes", c.takes}, {"hits", c.hits}};
}

} // namespace

nlohmann::ordered_json AgreementLevel::to_json() const {
  nlohmann::ordered_json orders = nlohmann::ordered_json::object();
  for (const auto& [order, c] : by_order_) orders[std::to_string(order)] = count_json(c);
  nlohmann::ordered_json types = nlohmann::ordered_json::object();
  for (const auto& [mt, c] : by_mt_) types[std::string(to_string(mt))] = count_json(c);
  nlohmann::ordered_json misses = nlohmann::ordered_json::array();
  for (const AgreementMiss& m : misses_)
    misses.push_back({{"line", m.line},
                      {"pfn", m.pfn},
                      {"predicted", m.predicted_none ? nlohmann::ordered_json(nullptr)
                                                     : nlohmann::ordered_json(m.predicted)},
                      {"order", m.order},
                      {"mt", std::string(to_string(m.mt))}});
  return {{"takes", total_.takes},   {"hits", total_.hits},
          {"rate", rate_json()},     {"by_order", std::move(orders)},
          {"by_migratetype", types}, {"first_misses", std::move(misses)}};
}

nlohmann::ordered_json DecisionAgreement::to_json() const {
  return {{"policy", policy}, {"buddy", buddy.to_json()}, {"pcp", pcp.to_json()}};
}

} // namespace memsim
