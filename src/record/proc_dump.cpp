// take_proc_snapshot() (proc_dump.hpp): each /proc file read with read(2) in 1 MiB pieces (the
// text files are generated per read, kpageflags and kpagecount are 8 bytes per pfn up to max_pfn)
// and written whole.
#include "record/proc_dump.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "memsim/error.hpp"

namespace memsim::record {
namespace {

void copy_file(const std::string& from, const std::string& to) {
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) throw InputError(fmt::format("{}: cannot read: {}", from, std::strerror(errno)));
  const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) {
    ::close(in);
    throw InputError(fmt::format("{}: cannot create: {}", to, std::strerror(errno)));
  }
  std::vector<char> buf(std::size_t{1} << 20);
  std::string error;
  for (;;) {
    const ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error = fmt::format("{}: read error: {}", from, std::strerror(errno));
    if (n <= 0) break;
    if (::write(out, buf.data(), static_cast<std::size_t>(n)) != n) {
      error = fmt::format("{}: write error: {}", to, std::strerror(errno));
      break;
    }
  }
  ::close(in);
  if (::close(out) != 0 && error.empty())
    error = fmt::format("{}: write error: {}", to, std::strerror(errno));
  if (!error.empty()) throw InputError(error);
}

} // namespace

void take_proc_snapshot(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw InputError(fmt::format("{}: cannot create: {}", dir, ec.message()));
  static constexpr const char* kFiles[][2] = {
      {"/proc/buddyinfo", "buddyinfo"}, {"/proc/pagetypeinfo", "pagetypeinfo"},
      {"/proc/zoneinfo", "zoneinfo"},   {"/proc/vmstat", "vmstat"},
      {"/proc/version", "version"},
  };
  for (const auto& [from, name] : kFiles) copy_file(from, dir + "/" + name);
  // The page dumps last, side by side: the kernel walks every pfn for each (seconds on a large
  // machine), and pages that change meanwhile disagree with the trace.
  std::string count_error;
  std::thread counts([&] {
    try {
      copy_file("/proc/kpagecount", dir + "/kpagecount");
    } catch (const InputError& e) {
      count_error = e.what();
    }
  });
  try {
    copy_file("/proc/kpageflags", dir + "/kpageflags");
  } catch (...) {
    counts.join();
    throw;
  }
  counts.join();
  if (!count_error.empty()) throw InputError(count_error);
}

} // namespace memsim::record
