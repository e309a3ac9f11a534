// spool_to_tmpfile() (spool.hpp): write(2) in 1 MiB pieces into an O_TMPFILE descriptor.
#include "trace/spool.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "memsim/error.hpp"

namespace memsim::trace {

int spool_to_tmpfile(std::string_view head, InputStream& input, const std::string& name,
                     std::string_view what) {
  const char* dir = std::getenv("TMPDIR");
  const std::string tmp = dir != nullptr && *dir != '\0' ? dir : "/tmp";
  const auto fail = [&] {
    throw InputError(
        fmt::format("{}: cannot spool {} to {}: {}", name, what, tmp, std::strerror(errno)));
  };
  const int fd = ::open(tmp.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) fail();
  try {
    std::vector<char> chunk(std::size_t{1} << 20);
    std::string_view data = head;
    for (;;) {
      while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail();
        data.remove_prefix(static_cast<std::size_t>(n));
      }
      const std::size_t got = input.read(chunk.data(), chunk.size());
      if (got == 0) break;
      data = std::string_view(chunk.data(), got);
    }
    if (::lseek(fd, 0, SEEK_SET) != 0) fail();
  } catch (...) {
    ::close(fd);
    throw;
  }
  return fd;
}

} // namespace memsim::trace
