// LiveTable: dense ids in pages released when empty, ids >= 2^32 in the hash table, and the
// one-way move of every entry to the hash table when the ids prove sparse — checked against a
// plain map on the same operations.
#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <random>

#include "sim/live_table.hpp"

using namespace memsim;

namespace {

// Applies `id`'s insert or erase to both tables and checks they agree on it.
void toggle(LiveTable& table, std::map<std::uint64_t, PageIdx>& model, std::uint64_t id,
            PageIdx block) {
  if (model.count(id) != 0) {
    REQUIRE(table.find(id) == model[id]);
    REQUIRE_FALSE(table.insert(id, block));
    table.erase(id);
    model.erase(id);
    REQUIRE(table.find(id) == kNoPage);
  } else {
    REQUIRE(table.find(id) == kNoPage);
    REQUIRE(table.insert(id, block));
    model[id] = block;
    REQUIRE(table.find(id) == block);
  }
}

void require_same(const LiveTable& table, const std::map<std::uint64_t, PageIdx>& model) {
  REQUIRE(table.size() == model.size());
  for (const auto& [id, block] : model) REQUIRE(table.find(id) == block);
}

} // namespace

TEST_CASE("LiveTable: insert, find, erase and duplicates", "[sim][live]") {
  LiveTable table;
  REQUIRE(table.find(0) == kNoPage);
  REQUIRE(table.insert(0, 7));
  REQUIRE(table.insert(4095, 8));
  REQUIRE(table.insert(4096, 9));
  REQUIRE(table.insert(LiveTable::kDenseLimit, 10));
  REQUIRE(table.insert(UINT64_MAX, 11));
  REQUIRE_FALSE(table.insert(4095, 12));
  REQUIRE_FALSE(table.insert(UINT64_MAX, 12));
  REQUIRE(table.find(4095) == 8);
  REQUIRE(table.find(UINT64_MAX) == 11);
  REQUIRE(table.contains(LiveTable::kDenseLimit));
  REQUIRE_FALSE(table.contains(1));
  REQUIRE(table.size() == 5);
  REQUIRE(table.pages_held() == 2);
  table.erase(1); // not live: nothing happens
  table.erase(4096);
  REQUIRE(table.pages_held() == 1);
  table.erase(UINT64_MAX);
  REQUIRE(table.size() == 3);
  REQUIRE(table.find(4096) == kNoPage);
  REQUIRE(table.paged());
}

TEST_CASE("LiveTable: a page is released when its last id is freed", "[sim][live]") {
  LiveTable table;
  constexpr std::uint64_t kIds = 10 * LiveTable::kPageSlots;
  for (std::uint64_t id = 0; id < kIds; ++id) REQUIRE(table.insert(id, 1));
  REQUIRE(table.pages_held() == 10);
  // Monotonic churn: free the oldest, allocate the next; at most 11 pages are ever held.
  for (std::uint64_t id = 0; id < 100 * LiveTable::kPageSlots; ++id) {
    table.erase(id);
    REQUIRE(table.insert(id + kIds, 2));
    REQUIRE(table.pages_held() <= 11);
  }
  REQUIRE(table.size() == kIds);
  REQUIRE(table.paged());
}

TEST_CASE("LiveTable: random operations on dense and huge ids agree with a map", "[sim][live]") {
  LiveTable table;
  std::map<std::uint64_t, PageIdx> model;
  std::mt19937_64 rng(42);
  for (int i = 0; i < 200000; ++i) {
    const std::uint64_t r = rng();
    const std::uint64_t id = (r & 3) == 0 ? (r | LiveTable::kDenseLimit) : (r >> 2) % 50000;
    toggle(table, model, id, static_cast<PageIdx>(i));
  }
  require_same(table, model);
  REQUIRE(table.paged());
}

TEST_CASE("LiveTable: sparse 32-bit ids move every entry to the hash table", "[sim][live]") {
  LiveTable table;
  std::map<std::uint64_t, PageIdx> model;
  std::mt19937_64 rng(7);
  // Each random 32-bit id wants a 16 KiB page of its own: the 64 MiB budget runs out after
  // about 4,100 live ids, and the table must then hold everything in the hash table.
  int switched_at = -1;
  for (int i = 0; i < 20000; ++i) {
    toggle(table, model, rng() >> 32, static_cast<PageIdx>(i));
    if (switched_at < 0 && !table.paged()) switched_at = i;
  }
  REQUIRE(switched_at > 3000);
  REQUIRE(switched_at < 5000);
  REQUIRE(table.pages_held() == 0);
  require_same(table, model);
  // Still correct afterwards, for dense ids too.
  for (std::uint64_t id = 0; id < 5000; ++id) toggle(table, model, id, 3);
  require_same(table, model);
}
