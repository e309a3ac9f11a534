// validate() and validation_to_json() (validation.hpp).
#include "stats/validation.hpp"

#include <algorithm>
#include <cstdlib>

#include "stats/run_stats.hpp"

namespace memsim {
namespace {

std::optional<Migratetype> type_of_letter(char letter) {
  const char lower =
      letter >= 'A' && letter <= 'Z' ? static_cast<char>(letter - 'A' + 'a') : letter;
  for (int i = 0; i < kMigratetypes; ++i)
    if (map_letter(migratetype_at(i)) == lower) return migratetype_at(i);
  return std::nullopt;
}

// The model's pageblocks per type over [zone_start, zone_end), those the kernel's pagetypeinfo
// loop visits (pfn = zone_start + k·pageblock_pages, pagetypeinfo_showblockitmtype()).
std::map<Migratetype, std::uint64_t> model_pageblocks(const RunStats& model, Pfn zone_start,
                                                      Pfn zone_end) {
  std::map<Migratetype, std::uint64_t> counts;
  const std::uint64_t block = std::uint64_t{1} << model.pageblock_order;
  for (const RegionSnapshot& region : model.regions) {
    for (std::size_t j = 0; j < region.pageblock_map.size(); ++j) {
      const Pfn visited = region.start_pfn + j * block + zone_start % block;
      if (visited < zone_start || visited >= zone_end) continue;
      if (const auto mt = type_of_letter(region.pageblock_map[j])) ++counts[*mt];
    }
  }
  return counts;
}

std::uint64_t free_pages_of(const std::vector<std::uint64_t>& buddyinfo) {
  std::uint64_t pages = 0;
  for (std::size_t k = 0; k < buddyinfo.size(); ++k) pages += buddyinfo[k] << k;
  return pages;
}

std::string mt_name(Migratetype mt) {
  return std::string(to_string(mt));
}

} // namespace

Validation validate(const RunStats& model, const RealEndState& real) {
  Validation v;
  v.snapshot = real.snapshot;
  v.zone = real.zone;
  v.buddy_real = real.buddyinfo;
  v.buddy_model = model.free_area.buddyinfo;
  const std::size_t orders = std::max(v.buddy_real.size(), v.buddy_model.size());
  v.buddy_real.resize(orders, 0);
  v.buddy_model.resize(orders, 0);
  std::uint64_t l1 = 0;
  for (std::size_t k = 0; k < orders; ++k) {
    const auto diff =
        static_cast<std::int64_t>(v.buddy_model[k]) - static_cast<std::int64_t>(v.buddy_real[k]);
    v.buddy_diff.push_back(diff);
    l1 += static_cast<std::uint64_t>(std::llabs(diff)) << k;
  }
  v.free_real = free_pages_of(v.buddy_real);
  v.free_model = free_pages_of(v.buddy_model);
  if (v.free_real != 0) {
    const double real_pages = static_cast<double>(v.free_real);
    v.free_diff_pct = 100.0 * (static_cast<double>(v.free_model) - real_pages) / real_pages;
    v.l1_pct = 100.0 * static_cast<double>(l1) / real_pages;
  }
  v.pcp_real = real.pcp_pages;
  v.pcp_model = model.pcp_pages;
  v.pageblocks_real = real.pageblocks;
  v.pageblocks_model = model_pageblocks(model, real.zone_start, real.zone_end);
  for (const auto& [mt, count] : v.pageblocks_real)
    v.pageblocks_diff[mt] -= static_cast<std::int64_t>(count);
  for (const auto& [mt, count] : v.pageblocks_model)
    v.pageblocks_diff[mt] += static_cast<std::int64_t>(count);
  v.fallbacks_real = real.fallbacks;
  v.fallbacks_model = model.fallbacks.total;
  return v;
}

nlohmann::ordered_json validation_to_json(const Validation& v) {
  using nlohmann::ordered_json;
  const auto or_null = [](const auto& value) {
    return value ? ordered_json(*value) : ordered_json(nullptr);
  };
  const auto per_type = [](const auto& counts) {
    ordered_json out = ordered_json::object();
    for (const auto& [mt, count] : counts) out[mt_name(mt)] = count;
    return out;
  };
  return {
      {"snapshot", v.snapshot},
      {"zone", v.zone},
      {"buddyinfo", {{"real", v.buddy_real}, {"model", v.buddy_model}, {"diff", v.buddy_diff}}},
      {"free_pages",
       {{"real", v.free_real}, {"model", v.free_model}, {"diff_pct", or_null(v.free_diff_pct)}}},
      {"l1_pct", or_null(v.l1_pct)},
      {"pcp_pages", {{"real", v.pcp_real}, {"model", v.pcp_model}}},
      {"pageblocks",
       {{"real", per_type(v.pageblocks_real)},
        {"model", per_type(v.pageblocks_model)},
        {"diff", per_type(v.pageblocks_diff)}}},
      {"fallbacks", {{"real", or_null(v.fallbacks_real)}, {"model", v.fallbacks_model}}}};
}

} // namespace memsim
