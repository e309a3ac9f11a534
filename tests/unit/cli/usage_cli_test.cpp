// The command line's messages (cli/usage.cpp, common_options.cpp, the readers' file errors): one
// test per message. Every usage error is one line "memsim: ..." naming the option (and the
// command it belongs to), every file error names the file and the reason, and bad input gives
// FILE:LINE or FILE:. Also sizes and pfns as the kernel writes them, --version and --help.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../../support/run_command.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using Catch::StartsWith;
using memsim::test::CommandResult;
using memsim::test::one_line;
using memsim::test::run_memsim;
using memsim::test::slurp;
using memsim::test::source_path;
using memsim::test::TempDir;

namespace {

const std::string kQuickstart = source_path("traces/quickstart.jsonl");
const std::string kKmem = source_path("traces/kmem-6.1/trace-head.txt.xz");

// Exit 1 with exactly `message` on one line.
void check_error(const CommandResult& r, const std::string& message) {
  INFO(r.err);
  CHECK(r.status == 1);
  CHECK(one_line(r.err));
  CHECK(r.err == message + "\n");
}

std::string write(const TempDir& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir / name, std::ios::binary) << text;
  return (dir / name).string();
}

} // namespace

TEST_CASE("An unknown command is named with the list of commands", "[cli][usage]") {
  check_error(run_memsim({"foo"}),
              "memsim: unknown command 'foo'; the commands are replay, "
              "compare, policies, import, report, gen, record, sweep (memsim --help)");
}

TEST_CASE("No command at all says one is required", "[cli][usage]") {
  check_error(run_memsim({}), "memsim: a command is required: replay, compare, policies, import, "
                              "report, gen, record, sweep (memsim --help)");
}

TEST_CASE("An option of another command says which command it belongs to", "[cli][usage]") {
  check_error(run_memsim({"compare", kQuickstart, "x.csv", "--timeline-csv"}),
              "memsim: --timeline-csv is an option of replay, not compare");
  check_error(run_memsim({"compare", kQuickstart, "--placements", "p.jsonl"}),
              "memsim: --placements is an option of replay, not compare");
  check_error(run_memsim({"report", "a.json", "-o", "r.html", "--policies", "stock"}),
              "memsim: --policies is an option of compare, not report");
}

TEST_CASE("An option before the command says to put it after the command", "[cli][usage]") {
  check_error(run_memsim({"--strict", "replay", kQuickstart}),
              "memsim: --strict is an option of replay and compare: put it after the command "
              "(memsim replay ... --strict)");
}

TEST_CASE("An unknown option names the command and its help", "[cli][usage]") {
  check_error(run_memsim({"replay", kQuickstart, "--bogus"}),
              "memsim: replay: unknown option --bogus (memsim replay --help lists the options)");
}

TEST_CASE("An extra argument is named", "[cli][usage]") {
  check_error(run_memsim({"replay", kQuickstart, "second.jsonl"}),
              "memsim: replay: unexpected argument 'second.jsonl' (memsim replay --help)");
}

TEST_CASE("Option --interval takes a positive integer and says so in one line", "[cli][usage]") {
  check_error(run_memsim({"replay", kQuickstart, "--interval", "0"}),
              "memsim: replay --interval: expected a positive integer, got '0'");
  check_error(run_memsim({"compare", kQuickstart, "--interval", "ten"}),
              "memsim: compare --interval: expected a positive integer, got 'ten'");
  check_error(run_memsim({"gen", "random", "-o", "x.jsonl", "--seed", "-1"}),
              "memsim: gen --seed: expected an unsigned integer, got '-1'");
}

TEST_CASE("An option without its value names the value it needs", "[cli][usage]") {
  check_error(run_memsim({"replay", kQuickstart, "--json"}),
              "memsim: replay --json: needs a value (FILE)");
  check_error(run_memsim({"replay", kQuickstart, "--proc-out"}),
              "memsim: replay --proc-out: needs a value (DIR)");
}

TEST_CASE("A missing argument names it and the command's help", "[cli][usage]") {
  check_error(run_memsim({"replay"}), "memsim: replay: TRACE is required (memsim replay --help)");
  check_error(run_memsim({"report", "a.json"}),
              "memsim: report: --output is required (memsim report --help)");
  check_error(run_memsim({"import"}),
              "memsim: import: a format is required: ftrace (memsim import --help)");
}

TEST_CASE("Standard output takes one output at most, and never a directory", "[cli][usage]") {
  check_error(run_memsim({"replay", kQuickstart, "--json", "-", "--report", "-"}),
              "memsim: replay: --json and --report both write to standard output (-); at most "
              "one output can");
  check_error(run_memsim({"compare", kQuickstart, "--json", "-", "--report", "-"}),
              "memsim: compare: --json and --report both write to standard output (-); at most "
              "one output can");
  check_error(run_memsim({"replay", kQuickstart, "--proc-out", "-"}),
              "memsim: replay --proc-out: needs a directory, not - (standard output)");
  check_error(run_memsim({"report", "-", "-", "-o", "r.html"}),
              "memsim: report: - (standard input) can be given once");
}

TEST_CASE("Sizes take the kernel's K, M, G, T and pfns 0x hex, 1GB is refused as ambiguous",
          "[cli][usage]") {
  const auto r = run_memsim({"replay", kQuickstart, "--set", "zone.memory=2G", "--set",
                             "zone.start_pfn=0x400", "--json", "-"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["config"]["zone"]["memory"] == 2ULL << 30);
  CHECK(doc["config"]["zone"]["start_pfn"] == 0x400);
  check_error(run_memsim({"replay", kQuickstart, "--set", "zone.memory=1GB"}),
              R"(memsim: --set: zone.memory: "1GB" is ambiguous (decimal or binary?): write 1G )"
              R"(or 1GiB (binary, as the kernel's memparse reads 1G), or the bytes)");
}

TEST_CASE("A zone value that cannot be names the place it was set", "[cli][usage]") {
  TempDir dir;
  const std::string zero =
      write(dir, "zero.jsonl", "{\"memsim_trace\":1,\"zone\":{\"memory\":\"0\"}}\n");
  check_error(run_memsim({"replay", zero}), zero + ": header: zone.memory: must not be zero");
  const std::string odd =
      write(dir, "odd.jsonl", "{\"memsim_trace\":1,\"zone\":{\"memory\":\"64512B\"}}\n");
  check_error(run_memsim({"replay", odd}),
              odd + ": header: zone.memory: 64512 bytes is not a whole number of 4096-byte pages");
  check_error(run_memsim({"replay", kQuickstart, "--set", "zone.memory=0"}),
              "memsim: --set zone.memory: must not be zero");
  // A default that the header's other value makes impossible: the header is named.
  const std::string orders =
      write(dir, "orders.jsonl", "{\"memsim_trace\":1,\"zone\":{\"max_order\":5}}\n");
  check_error(run_memsim({"replay", orders}),
              orders + ": header: zone.pageblock_order: 10 is above zone.max_order - 1 (4)");
  const std::string config = write(dir, "c.json", R"({"zone": {"memory": "0"}})");
  check_error(run_memsim({"compare", kQuickstart, "--config", config}),
              config + ": zone.memory: must not be zero");
}

TEST_CASE("A file that cannot be opened is named with the reason", "[cli][usage]") {
  TempDir dir;
  const std::string missing = (dir / "missing.json").string();
  check_error(run_memsim({"replay", kQuickstart, "--config", missing}),
              missing + ": cannot open: No such file or directory");
  check_error(run_memsim({"report", missing, "-o", (dir / "r.html").string()}),
              missing + ": cannot open: No such file or directory");
  check_error(run_memsim({"report", dir.path.string(), "-o", (dir / "r.html").string()}),
              dir.path.string() + ": cannot open: Is a directory");
  check_error(run_memsim({"replay", (dir / "t.jsonl").string()}),
              (dir / "t.jsonl").string() + ": cannot open: No such file or directory");
}

TEST_CASE("Option --proc-in names what is wrong with the directory", "[cli][usage]") {
  TempDir dir;
  const std::string file = source_path("traces/kmem-6.1/proc-begin/zoneinfo");
  check_error(run_memsim({"replay", kKmem, "--proc-in", file}),
              "memsim: --proc-in " + file +
                  ": not a directory (give the directory of the snapshot files)");
  const std::string none = (dir / "none").string();
  check_error(run_memsim({"replay", kKmem, "--proc-in", none}),
              "memsim: --proc-in " + none + ": no such directory");
}

TEST_CASE("A compression memsim does not read is named, on input and output", "[cli][usage]") {
  TempDir dir;
  const std::string bz2 = write(dir, "t.jsonl.bz2", "BZh91AY&SY\x01\x02\x03");
  check_error(run_memsim({"replay", bz2}), bz2 + ": bzip2 is not supported; use gzip, zstd or xz");
  const std::string lz4 = write(dir, "t.lz4", std::string("\x04\x22\x4d\x18\x64\x40", 6));
  check_error(run_memsim({"replay", lz4}), lz4 + ": lz4 is not supported; use gzip, zstd or xz");
  const std::string out = (dir / "x.jsonl.bz2").string();
  check_error(run_memsim({"gen", "random", "--set", "events=10", "-o", out}),
              out + ": bzip2 output is not supported; use .gz, .zst or .xz, or no compression "
                    "suffix for plain text");
  const std::string imported = (dir / "y.bz2").string();
  check_error(run_memsim({"import", "ftrace", kKmem, "-o", imported}),
              imported + ": bzip2 output is not supported; use .gz, .zst or .xz, or no "
                         "compression suffix for plain text");
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator{}) == 2);
}

TEST_CASE("With --strict, kmem text names the pfn in hex and the trace line", "[cli][usage]") {
  const auto r = run_memsim({"replay", kKmem, "--strict", "--json", "/dev/null"});
  CHECK(r.status == 1);
  // The geometry notice comes first; the error is the last line.
  const std::string last = r.err.substr(r.err.rfind('\n', r.err.size() - 2) + 1);
  CHECK(last == kKmem + ":330: free of pfn 0x3fdb5 which is not live\n");
}

TEST_CASE("A duplicate key in an event is an error at its line", "[cli][usage]") {
  TempDir dir;
  const std::string header = "{\"memsim_trace\":1,\"zone\":{\"memory\":\"8MiB\"}}\n";
  const std::string plain =
      write(dir, "a.jsonl", header + R"({"op":"alloc","id":1,"order":0,"mt":"movable","id":2})");
  check_error(run_memsim({"replay", plain}), plain + ":2: duplicate key \"id\" in the event");
  const std::string unknown = write(dir, "b.jsonl",
                                    header + R"({"op":"free","id":1,"note":1,"note":2})"
                                             "\n");
  check_error(run_memsim({"replay", unknown}), unknown + ":2: duplicate key \"note\" in the event");
  const std::string document =
      write(dir, "c.json",
            R"({"memsim_trace":1,"zone":{"memory":"8MiB"},"events":[)"
            R"({"op":"alloc","id":1,"order":0,"order":1,"mt":"movable"}]})");
  const auto r = run_memsim({"replay", document});
  CHECK(r.status == 1);
  CHECK(one_line(r.err));
  CHECK_THAT(r.err, StartsWith(document + ":byte "));
  CHECK_THAT(r.err, Contains(": duplicate key \"order\" in the event"));
}

TEST_CASE("A failed replay leaves no --proc-out directory behind", "[cli][usage]") {
  TempDir dir;
  const fs::path out = dir / "new" / "proc";
  const auto r = run_memsim({"replay", kKmem, "--strict", "--proc-out", out.string()});
  CHECK(r.status == 1);
  CHECK_FALSE(fs::exists(dir / "new")); // neither it nor the parent it created
  const fs::path existing = dir / "kept";
  fs::create_directory(existing);
  CHECK(run_memsim({"replay", kKmem, "--strict", "--proc-out", existing.string()}).status == 1);
  CHECK(fs::is_directory(existing)); // a directory that was there stays
}

TEST_CASE("A --proc-in snapshot whose zones hold none of the trace's pages is an error",
          "[cli][usage]") {
  // The fixture's zone spans pfns 20 to 59; the excerpt allocates far above.
  const std::string proc = source_path("tests/fixtures/proc");
  const auto r = run_memsim({"replay", kKmem, "--proc-in", proc});
  CHECK(r.status == 1);
  CHECK(one_line(r.err));
  CHECK_THAT(r.err, StartsWith(kKmem + ":"));
  CHECK_THAT(r.err, Contains(": alloc of pfn 0x"));
  CHECK_THAT(r.err, Contains("lies outside every zone of the --proc-in snapshot " + proc +
                             " (zone DMA (pfn 0x1-0xf), zone DMA32 (pfn 0x14-0x3b))"));
}

TEST_CASE("Unknown gfp_flags names are counted in meta.unknown_gfp and named in a notice",
          "[cli][usage]") {
  TempDir dir;
  const std::string trace =
      write(dir, "k.txt",
            "# tracer: nop\n"
            "  a-1 [000] ..... 1.000001: mm_page_alloc: page=0x1 pfn=0x100 order=0 migratetype=0 "
            "gfp_flags=GFP_KERN|__GFP_ZERO\n"
            "  a-1 [000] ..... 1.000002: mm_page_alloc: page=0x1 pfn=0x101 order=0 migratetype=1 "
            "gfp_flags=GFP_HIGHUSER_MOVABLE|0x4000000\n"
            "  a-1 [000] ..... 1.000003: mm_page_alloc: page=0x1 pfn=0x102 order=0 migratetype=0 "
            "gfp_flags=GFP_KERN\n");
  const auto r = run_memsim({"replay", trace, "--json", "-"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto meta = nlohmann::json::parse(r.out)["provenance"]["trace_meta"];
  CHECK(meta["unknown_gfp"] == nlohmann::json{{"GFP_KERN", 2}});
  CHECK_THAT(r.err, Contains("2 allocations with gfp_flags names no kernel prints, read as "
                             "unmovable (meta.unknown_gfp): GFP_KERN (2)"));
}

TEST_CASE("memsim --version gives the git revision and the libraries", "[cli][usage]") {
  const auto r = run_memsim({"--version"});
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, StartsWith("memsim " MEMSIM_VERSION " (git "));
  for (const char* library :
       {"CLI11 ", "fmt ", "nlohmann_json ", "simdjson ", "zlib ", "zstd ", "liblzma "})
    CHECK_THAT(r.out, Contains(library));
}

TEST_CASE("memsim replay --help names files, directories and sizes, not TEXT", "[cli][usage]") {
  const auto r = run_memsim({"replay", "--help"});
  REQUIRE(r.status == 0);
  for (const char* option : {"TRACE FILE", "--json FILE", "--report FILE", "--proc-out DIR",
                             "--proc-in DIR", "--config FILE", "--set KEY=VALUE", "--interval N"})
    CHECK_THAT(r.out, Contains(option));
  CHECK_THAT(r.out, Contains("sizes: 16G, 16GiB"));
  CHECK_THAT(r.out, !Contains(" TEXT "));
  CHECK_THAT(run_memsim({"report", "--help"}).out, Contains("--export DIR"));
}
