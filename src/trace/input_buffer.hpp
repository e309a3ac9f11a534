// A growable window over an InputStream in which the trace readers scan bytes in place. Every
// range handed to simdjson lies inside the window, and the window keeps kPadding readable bytes
// after its data, so simdjson may parse any range without copying (SIMDJSON_PADDING).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "trace/input_stream.hpp"

namespace memsim::trace {

class InputBuffer {
public:
  static constexpr std::size_t kPadding = 64; // >= SIMDJSON_PADDING (checked in the .cpp)
  static constexpr std::size_t kDefaultChunk = std::size_t{32} << 20;
  static constexpr std::size_t kFirstWindow = std::size_t{1} << 20; // then doubled up to chunk

  explicit InputBuffer(std::unique_ptr<InputStream> input, std::size_t chunk = kDefaultChunk);

  const char* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  // Stream offset of data()[0]: the bytes dropped by refill() so far.
  std::uint64_t offset() const { return offset_; }
  // True once the stream has no bytes beyond data()[size() - 1].
  bool at_end() const { return at_end_; }

  // Drops the bytes before `keep_from`, moves the rest to the front and reads more (if any). The
  // window starts at kFirstWindow (small traces stay cheap) and doubles on each refill up to
  // `chunk`, and beyond it when one line or value fills it. Returns false when no byte was added.
  bool refill(std::size_t keep_from);

private:
  void grow();

  std::unique_ptr<InputStream> input_;
  std::unique_ptr<char[]> data_;
  std::size_t capacity_;
  std::size_t chunk_;
  std::size_t size_ = 0;
  std::uint64_t offset_ = 0;
  bool at_end_ = false;
};

} // namespace memsim::trace
