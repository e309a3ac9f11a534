// The readers' window over the decompressed input (see input_buffer.hpp): one large chunk per
// read (32 MiB by default), so the line splitter and simdjson work on big contiguous runs.
#include "trace/input_buffer.hpp"

#include <cstring>

#include <simdjson.h>

namespace memsim::trace {

static_assert(InputBuffer::kPadding >= simdjson::SIMDJSON_PADDING);

InputBuffer::InputBuffer(std::unique_ptr<InputStream> input, std::size_t chunk)
    : input_(std::move(input)), data_(std::make_unique_for_overwrite<char[]>(chunk + kPadding)),
      capacity_(chunk) {
  // Not zero-filled: a small trace touches only the pages it uses of the 32 MiB window.
  std::memset(data_.get(), 0, kPadding);
}

bool InputBuffer::refill(std::size_t keep_from) {
  if (at_end_) return false;
  if (keep_from > 0) {
    std::memmove(data_.get(), data_.get() + keep_from, size_ - keep_from);
    size_ -= keep_from;
    offset_ += keep_from;
  } else if (size_ == capacity_) {
    grow();
  }
  const std::size_t want = capacity_ - size_;
  const std::size_t got = input_->read(data_.get() + size_, want);
  size_ += got;
  at_end_ = got < want;
  std::memset(data_.get() + size_, 0, kPadding);  // defined bytes for simdjson to over-read
  return got > 0;
}

void InputBuffer::grow() {
  const std::size_t capacity = capacity_ * 2;
  auto data = std::make_unique_for_overwrite<char[]>(capacity + kPadding);
  std::memcpy(data.get(), data_.get(), size_);
  data_ = std::move(data);
  capacity_ = capacity;
}

}  // namespace memsim::trace
