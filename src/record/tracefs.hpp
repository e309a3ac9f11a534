// The kernel's tracefs as memsim record uses it: found at /sys/kernel/tracing (mounted there when
// it is not), its control files read and written with one-line errors, and every setting changed
// through Tracefs::set() remembered so that restore() (also run by the destructor: on errors and
// interrupts too) puts each back, the last changed first, and unmounts what was mounted.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace memsim::record {

class Tracefs {
public:
  // Mounts tracefs at kRoot when needed. Throws InputError when it cannot.
  Tracefs();
  ~Tracefs();
  Tracefs(const Tracefs&) = delete;
  Tracefs& operator=(const Tracefs&) = delete;

  static constexpr const char* kRoot = "/sys/kernel/tracing";

  std::string path(const std::string& file) const { return std::string(kRoot) + "/" + file; }
  bool exists(const std::string& file) const;
  // The file's content without its last newline. Throws InputError("PATH: cannot read: ...").
  std::string read(const std::string& file) const;
  // Writes `value`; the old value is restored later (`restore_value` when given: the value to
  // write back, for files whose read form differs from what they take).
  void set(const std::string& file, const std::string& value);
  void set(const std::string& file, const std::string& value, const std::string& restore_value);
  // Writes without remembering (a value that needs no restoring: clearing the buffer).
  void write(const std::string& file, const std::string& value) const;
  // Puts every setting back, the last first, then unmounts tracefs if it was mounted here.
  // Errors are collected, not thrown: the first is returned ("" when none).
  std::string restore() noexcept;
  bool mounted_here() const { return mounted_; }

private:
  std::vector<std::pair<std::string, std::string>> saved_; // file, value to write back
  bool mounted_ = false;
};

// The per-CPU counters of lost events (per_cpu/cpuN/stats): "overrun" (overwritten before being
// read), "commit overrun" and "dropped events" (writes refused, buffer full).
struct LostCounters {
  unsigned long long overrun = 0;
  unsigned long long commit_overrun = 0;
  unsigned long long dropped = 0;
  unsigned long long total() const { return overrun + commit_overrun + dropped; }
};
LostCounters read_lost_counters(const Tracefs& tracefs);

} // namespace memsim::record
