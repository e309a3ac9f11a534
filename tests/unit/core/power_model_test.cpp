// The --power models (include/memsim/power.hpp): the presets and their datasheet arithmetic
// (docs/power.md), and the power file reader with its one-line "FILE: field: message" errors.
#include <catch2/catch.hpp>

#include "memsim/error.hpp"
#include "memsim/power.hpp"

using namespace memsim;
using Catch::Contains;
using Catch::StartsWith;

namespace {

std::string error_of(const std::string& text) {
  try {
    parse_power_file(text, "p.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

} // namespace

TEST_CASE("The presets load by name, priced per GiB from their datasheet currents", "[power]") {
  const PowerModel pasr = load_power_model("lpddr-pasr");
  CHECK(pasr.per_gib);
  // Samsung K4X1G163PC IDD6 at 85 °C: 1200 µA full array, 900 µA half, 750 µA quarter, 1.8 V.
  // Fit a + b·share: a = b = 600 µA per 1 Gb (128 MiB) die, eight dies per GiB.
  CHECK(pasr.fixed_mw == Approx(0.6 * 1.8 * 8));
  CHECK(pasr.on_mw == Approx(0.6 * 1.8 * 8));
  CHECK(pasr.off_mw == 0);
  CHECK((pasr.fixed_mw + pasr.on_mw / 2) / (pasr.fixed_mw + pasr.on_mw) == Approx(900.0 / 1200));
  CHECK((pasr.fixed_mw + pasr.on_mw / 4) / (pasr.fixed_mw + pasr.on_mw) == Approx(750.0 / 1200));
  // DRAMPower MICRON_4Gb_DDR4-2400_8bit_A: IDD3N 44.0 mA, IDD6 20.25 mA, IDD2P 17.0 mA, VDD 1.2 V,
  // two 4 Gb devices per GiB.
  const PowerModel rank = load_power_model("ddr4-rank");
  CHECK(rank.on_mw == Approx(44.0 * 1.2 * 2));
  CHECK(rank.off_mw == Approx(20.25 * 1.2 * 2));
  CHECK(rank.fixed_mw == 0);
  CHECK(load_power_model("ddr4-rank-pd").off_mw == Approx(17.0 * 1.2 * 2));
  CHECK(power_presets().size() == 3);
}

TEST_CASE("A power file gives its name, segment size and milliwatts per segment", "[power]") {
  const PowerModel m = parse_power_file(
      R"({"memsim_power": 1, "name": "board", "segment_size": "256MiB", "fixed_mw": 12.0,
          "segment_mw": {"on": 4.5, "off": 0.3}, "description": "measured"})",
      "dir/board.json");
  CHECK(m.name == "board");
  CHECK_FALSE(m.per_gib);
  CHECK(m.segment_size->bytes(4096) == 256ULL << 20);
  CHECK(m.fixed_mw == 12.0);
  CHECK(m.on_mw == 4.5);
  CHECK(m.off_mw == 0.3);
  const PowerModel bare =
      parse_power_file(R"({"memsim_power":1,"segment_mw":{"on":1,"off":0}})", "dir/bare.json");
  CHECK(bare.name == "bare"); // the file's stem
  CHECK(bare.fixed_mw == 0);
  CHECK_FALSE(bare.segment_size);
}

TEST_CASE("A bad power file is a one-line error naming the file and the field", "[power]") {
  CHECK_THAT(error_of("{"), StartsWith("p.json: not valid JSON: "));
  CHECK_THAT(error_of("[1]"), StartsWith("p.json: not a JSON object"));
  CHECK_THAT(error_of(R"({"segment_mw":{"on":1,"off":0}})"), Contains("\"memsim_power\": 1"));
  CHECK_THAT(error_of(R"({"memsim_power":2,"segment_mw":{"on":1,"off":0}})"),
             Contains("\"memsim_power\": 1"));
  CHECK_THAT(error_of(R"({"memsim_power":1})"), StartsWith("p.json: segment_mw is missing"));
  CHECK_THAT(error_of(R"({"memsim_power":1,"segment_mw":{"on":1}})"),
             StartsWith("p.json: segment_mw.off is missing"));
  CHECK_THAT(error_of(R"({"memsim_power":1,"segment_mw":{"on":-1,"off":0}})"),
             StartsWith("p.json: segment_mw.on: -1 is negative"));
  CHECK_THAT(error_of(R"({"memsim_power":1,"segment_mw":{"on":"4","off":0}})"),
             StartsWith("p.json: segment_mw.on: \"4\" is not a number"));
  CHECK_THAT(error_of(R"({"memsim_power":1,"segment_mw":{"on":1,"off":0,"offlinable":1}})"),
             StartsWith("p.json: segment_mw: unknown key \"offlinable\"; valid keys: on, off"));
  CHECK_THAT(error_of(R"({"memsim_power":1,"fixed":1,"segment_mw":{"on":1,"off":0}})"),
             StartsWith("p.json: unknown key \"fixed\""));
  CHECK_THAT(
      error_of(R"({"memsim_power":1,"segment_size":"1.5GiB","segment_mw":{"on":1,"off":0}})"),
      StartsWith("p.json: segment_size: "));
  CHECK_THAT(error_of(R"({"memsim_power":1,"name":3,"segment_mw":{"on":1,"off":0}})"),
             StartsWith("p.json: name: 3 is not a string"));
  for (const std::string& bad : {error_of("{"), error_of(R"({"memsim_power":1})")})
    CHECK(bad.find('\n') == std::string::npos);
}

TEST_CASE("An unknown preset that is no file lists the presets", "[power]") {
  try {
    load_power_model("no-such-preset");
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK_THAT(e.what(), StartsWith("no-such-preset: cannot open: "));
    CHECK_THAT(e.what(), Contains("lpddr-pasr, ddr4-rank, ddr4-rank-pd"));
  }
}
