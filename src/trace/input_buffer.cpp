// The readers' window over the decompressed input (see input_buffer.hpp): one large chunk per
// read (32 MiB by default, reached by doubling from 1 MiB), so the line splitter and simdjson
// work on big contiguous runs.
#include "trace/input_buffer.hpp"

#include <algorithm>
#include <cstring>

#include <simdjson.h>

namespace memsim::trace {

static_assert(InputBuffer::kPadding >= simdjson::SIMDJSON_PADDING);

InputBuffer::InputBuffer(std::unique_ptr<InputStream> input, std::size_t chunk)
    : input_(std::move(input)), capacity_(std::min(chunk, kFirstWindow)), chunk_(chunk) {
  data_ = std::make_unique_for_overwrite<char[]>(capacity_ + kPadding);
  // Not zero-filled: only the padding must hold defined bytes.
  std::memset(data_.get(), 0, kPadding);
}

bool InputBuffer::refill(std::size_t keep_from) {
  if (keep_from > 0) {
    std::memmove(data_.get(), data_.get() + keep_from, size_ - keep_from);
    size_ -= keep_from;
    offset_ += keep_from;
  }
  if (at_end_) return false;
  if (size_ == capacity_ || (capacity_ < chunk_ && offset_ + size_ > 0)) grow();
  const std::size_t want = capacity_ - size_;
  const std::size_t got = input_->read(data_.get() + size_, want);
  size_ += got;
  at_end_ = got < want;
  std::memset(data_.get() + size_, 0, kPadding); // defined bytes for simdjson to over-read
  return got > 0;
}

void InputBuffer::grow() {
  const std::size_t capacity = capacity_ * 2;
  auto data = std::make_unique_for_overwrite<char[]>(capacity + kPadding);
  std::memcpy(data.get(), data_.get(), size_);
  data_ = std::move(data);
  capacity_ = capacity;
}

} // namespace memsim::trace
