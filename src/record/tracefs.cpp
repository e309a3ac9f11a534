// Tracefs (tracefs.hpp): plain open/read/write(2) on the control files; mount(2) and umount(2)
// for the mount point.
#include "record/tracefs.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <fmt/format.h>

#include "memsim/error.hpp"

namespace memsim::record {
namespace {

constexpr long kTracefsMagic = 0x74726163; // TRACEFS_MAGIC, include/uapi/linux/magic.h

bool is_tracefs(const char* dir) {
  struct statfs fs {};
  return ::statfs(dir, &fs) == 0 && fs.f_type == kTracefsMagic;
}

void write_file(const std::string& path, const std::string& value) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) throw InputError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  const std::string line = value + "\n";
  const ssize_t n = ::write(fd, line.data(), line.size());
  const int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size()))
    throw InputError(fmt::format("{}: cannot write '{}': {}", path, value,
                                 n < 0 ? std::strerror(err) : "short write"));
}

// The value of the line "KEY: N" of a stats file (0 when absent).
unsigned long long counter(const std::string& stats, const std::string& key) {
  const std::string lines = "\n" + stats;
  const std::size_t at = lines.find("\n" + key + ": ");
  return at == std::string::npos ? 0
                                 : std::strtoull(lines.c_str() + at + key.size() + 3, nullptr, 10);
}

} // namespace

Tracefs::Tracefs() {
  if (is_tracefs(kRoot)) return;
  if (::mount("nodev", kRoot, "tracefs", 0, nullptr) != 0)
    throw InputError(fmt::format("memsim record: cannot mount tracefs at {}: {} (kernel without "
                                 "CONFIG_TRACING?)",
                                 kRoot, std::strerror(errno)));
  mounted_ = true;
}

Tracefs::~Tracefs() {
  restore();
}

bool Tracefs::exists(const std::string& file) const {
  struct stat st {};
  return ::stat(path(file).c_str(), &st) == 0;
}

std::string Tracefs::read(const std::string& file) const {
  const std::string full = path(file);
  const int fd = ::open(full.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError(fmt::format("{}: cannot read: {}", full, std::strerror(errno)));
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

void Tracefs::set(const std::string& file, const std::string& value) {
  set(file, value, read(file));
}

void Tracefs::set(const std::string& file, const std::string& value,
                  const std::string& restore_value) {
  write(file, value);
  saved_.emplace_back(file, restore_value);
}

void Tracefs::write(const std::string& file, const std::string& value) const {
  write_file(path(file), value);
}

std::string Tracefs::restore() noexcept {
  std::string first_error;
  while (!saved_.empty()) {
    const auto [file, value] = saved_.back();
    saved_.pop_back();
    try {
      write(file, value);
    } catch (const std::exception& e) {
      if (first_error.empty()) first_error = e.what();
    }
  }
  if (mounted_ && ::umount(kRoot) != 0 && first_error.empty())
    first_error = fmt::format("{}: cannot unmount: {}", kRoot, std::strerror(errno));
  mounted_ = false;
  return first_error;
}

LostCounters read_lost_counters(const Tracefs& tracefs) {
  LostCounters sum;
  for (const auto& entry : std::filesystem::directory_iterator(tracefs.path("per_cpu"))) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("cpu", 0) != 0) continue;
    const std::string stats = tracefs.read("per_cpu/" + name + "/stats");
    sum.overrun += counter(stats, "overrun");
    sum.commit_overrun += counter(stats, "commit overrun");
    sum.dropped += counter(stats, "dropped events");
  }
  return sum;
}

} // namespace memsim::record
