// The JSON Lines fast path (parse_plain_event) against the simdjson DOM path (parse_event):
// on every line the fast path accepts, both must give the same Event, field for field and bit
// for bit; lines outside its plain subset must be refused so the DOM can judge them.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>

#include "trace/event_parse.hpp"

using memsim::Event;
using memsim::trace::parse_event;
using memsim::trace::parse_plain_event;

namespace {

bool same(const Event& a, const Event& b) {
  return a.op == b.op && a.order == b.order && a.has_order == b.has_order && a.cold == b.cold &&
         a.has_t == b.has_t && a.mt == b.mt && a.cpu == b.cpu && a.id == b.id &&
         a.has_pfn == b.has_pfn && a.pfn == b.pfn && a.has_gfp == b.has_gfp && a.gfp == b.gfp &&
         std::memcmp(&a.t, &b.t, sizeof a.t) == 0 && a.label == b.label;
}

// The DOM's verdict on a line: the Event, or nullopt when it is an error.
std::optional<Event> dom_event(const std::string& line) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(line);
  simdjson::dom::element element;
  if (parser.parse(padded).get(element) != simdjson::SUCCESS) return std::nullopt;
  Event event;
  try {
    parse_event(element, event);
  } catch (const memsim::trace::FieldError&) {
    return std::nullopt;
  }
  return event;
}

std::string random_line(std::mt19937_64& rng) {
  static const char* const kOps[] = {"alloc", "free", "mark", "split", "probe", "frob"};
  static const char* const kGfps[] = {"\"0xcc0\"",
                                      "\"0x140cca\"",
                                      "3264",
                                      "\"GFP_KERNEL\"",
                                      "\"GFP_ATOMIC|__GFP_NOWARN\"",
                                      "\"none\"",
                                      "\"0x1ffffffff\"",
                                      "\"a||b\"",
                                      "-1",
                                      "1.5",
                                      "\"0xCC0\"",
                                      "4294967296"};
  static const char* const kMts[] = {
      "\"movable\"", "\"unmovable\"", "\"reclaimable\"", "2", "0", "\"reserve\"", "7"};
  static const char* const kTimes[] = {"0.5",    "12.345678",           "1e-3", "0",     "-0",
                                       "3.0E+2", "123456789.123456789", "0.1",  "\"x\"", "1."};
  std::vector<std::string> fields;
  fields.push_back(std::string("\"op\":\"") + kOps[rng() % 6] + "\"");
  if (rng() % 8) fields.push_back("\"id\":" + std::to_string(rng() >> (rng() % 64)));
  if (rng() % 3) fields.push_back("\"order\":" + std::to_string(rng() % 70));
  if (rng() % 2) fields.push_back(std::string("\"mt\":") + kMts[rng() % 7]);
  if (rng() % 3 == 0) fields.push_back("\"cpu\":" + std::to_string(rng() % 5));
  if (rng() % 3 == 0) fields.push_back(std::string("\"t\":") + kTimes[rng() % 10]);
  if (rng() % 5 == 0) fields.push_back(rng() % 2 ? "\"cold\":true" : "\"cold\":false");
  if (rng() % 5 == 0) fields.push_back("\"label\":\"phase 2\"");
  if (rng() % 9 == 0) fields.push_back("\"extra\":[1,{\"a\":null}]");
  if (rng() % 3 == 0) fields.push_back("\"pfn\":" + std::to_string(rng() >> (rng() % 64)));
  if (rng() % 3 == 0) fields.push_back(std::string("\"gfp\":") + kGfps[rng() % 12]);
  std::shuffle(fields.begin(), fields.end(), rng);
  std::string line = "{";
  for (std::size_t i = 0; i < fields.size(); ++i)
    line += (i ? (rng() % 4 ? "," : " , ") : "") + fields[i];
  return line + "}";
}

} // namespace

TEST_CASE("The JSON Lines fast path reads memsim's own layout like the DOM does", "[trace]") {
  for (
      const std::string line :
      {R"({"op":"alloc","id":17,"order":0,"mt":"movable","cpu":1,"t":0.000123})",
       R"({"op":"free","id":17,"order":0,"cpu":1,"t":0.000124})",
       R"({"op":"alloc","id":1844674407370955161,"order":10,"mt":"reclaimable","cold":true})",
       R"({"op":"free","id":3})",
       R"({"op":"alloc","id":8506,"order":1,"mt":"movable","pfn":8506,"gfp":"0x400dc0","t":7.178721})",
       R"({"op":"alloc","id":8506,"order":1,"mt":"movable","pfn":8506,"cpu":1,"t":7.178721})",
       R"({"op":"alloc","id":8506,"order":1,"mt":"movable","gfp":"0x400dc0"})",
       R"({"op":"probe","order":3,"mt":"unmovable","gfp":"0xcc0","t":1.5})",
       R"({"op":"alloc","id":1,"order":0,"mt":"unmovable","gfp":"GFP_KERNEL|__GFP_ZERO"})",
       R"({"op":"alloc","id":1,"order":0,"mt":"unmovable","gfp":3264})"}) {
    INFO(line);
    Event fast;
    REQUIRE(parse_plain_event(line, fast));
    const auto dom = dom_event(line);
    REQUIRE(dom);
    CHECK(same(fast, *dom));
  }
}

TEST_CASE("The JSON Lines fast path agrees with the DOM on every line it accepts", "[trace]") {
  std::mt19937_64 rng(20261126);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string line = random_line(rng);
    INFO(line);
    Event fast;
    if (!parse_plain_event(line, fast)) continue;
    ++accepted;
    const auto dom = dom_event(line);
    REQUIRE(dom);
    CHECK(same(fast, *dom));
  }
  CHECK(accepted > 1000);
}

TEST_CASE("The JSON Lines fast path refuses what it cannot read exactly", "[trace]") {
  Event event;
  CHECK_FALSE(parse_plain_event(R"({"op":"alloc","id":-1,"order":0,"mt":"movable"})", event));
  CHECK_FALSE(parse_plain_event(R"({"op":"alloc","id":1,"order":0,"mt":"mov\u0061ble"})", event));
  CHECK_FALSE(parse_plain_event(R"({"op":"alloc","id":1,"order":0,"mt":"movable")", event));
  CHECK_FALSE(parse_plain_event(R"({"op":"alloc","id":1,"order":0})", event));
  CHECK_FALSE(parse_plain_event(R"({"op":"free","id":1,"x":1})", event));
  CHECK_FALSE(parse_plain_event(R"({"op":"free","id":99999999999999999999})", event));
  CHECK_FALSE(
      parse_plain_event(R"({"op":"alloc","id":1,"order":0,"mt":"movable","gfp":"a||b"})", event));
  CHECK_FALSE(parse_plain_event(R"({"op":"probe","mt":"movable"})", event));
}

TEST_CASE("gfp, pfn and probe read the same on both paths, as the importer writes them",
          "[trace]") {
  Event fast;
  const std::string line =
      R"({"op":"alloc","id":12288,"order":0,"mt":"movable","pfn":12288,"gfp":"0x140cca","t":1.5})";
  REQUIRE(parse_plain_event(line, fast));
  CHECK(fast.has_pfn);
  CHECK(fast.pfn == 12288);
  CHECK(fast.has_gfp);
  CHECK(fast.gfp == 0x140cca);
  // Symbolic text means what Linux 6.1 prints: GFP_KERNEL = 0xcc0, __GFP_ZERO = 0x100.
  const auto dom =
      dom_event(R"({"op":"probe","order":2,"mt":"unmovable","gfp":"GFP_KERNEL|__GFP_ZERO"})");
  REQUIRE(dom);
  CHECK(dom->op == memsim::EventOp::probe);
  CHECK(dom->gfp == 0xdc0);
  CHECK_FALSE(dom->has_pfn);
  CHECK_FALSE(dom_event(R"({"op":"alloc","id":1,"order":0,"mt":"movable","gfp":4294967296})"));
  CHECK_FALSE(dom_event(R"({"op":"alloc","id":1,"order":0,"mt":"movable","gfp":true})"));
  CHECK_FALSE(dom_event(R"({"op":"probe","order":0})"));
}
