// The protocol buffers wire format (developers.google.com/protocol-buffers/docs/encoding), as much
// as the Perfetto reader needs: a reader over one message's bytes that yields its fields in order
// (varint, 64-bit, length-delimited and 32-bit; the deprecated groups are malformed here).
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string_view>

namespace memsim::trace {

struct WireError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class WireType : std::uint8_t { varint = 0, fixed64 = 1, bytes = 2, fixed32 = 5 };

struct WireField {
  std::uint32_t number = 0;
  WireType type = WireType::varint;
  std::uint64_t value = 0; // varint, fixed64, fixed32
  std::string_view bytes;  // length-delimited
};

// Decodes a varint at `p` (at most 10 bytes); false when it runs past `end` or is too long.
inline bool read_varint(const char*& p, const char* end, std::uint64_t& value) {
  value = 0;
  for (unsigned shift = 0; shift < 64 && p < end; shift += 7) {
    const auto byte = static_cast<unsigned char>(*p++);
    value |= std::uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80u) == 0) return true;
  }
  return false;
}

class WireReader {
public:
  explicit WireReader(std::string_view message)
      : p_(message.data()), end_(message.data() + message.size()) {}

  // The next field into `out`; false at the end of the message. Throws WireError.
  bool next(WireField& out) {
    if (p_ == end_) return false;
    std::uint64_t tag = 0;
    if (!read_varint(p_, end_, tag)) throw WireError("truncated field tag");
    const std::uint64_t number = tag >> 3;
    if (number == 0 || number > 0x1fffffff) throw WireError("bad field number");
    out.number = static_cast<std::uint32_t>(number);
    switch (tag & 7) {
    case 0:
      out.type = WireType::varint;
      if (!read_varint(p_, end_, out.value)) throw WireError("truncated varint");
      return true;
    case 1:
      return fixed(out, WireType::fixed64, 8);
    case 2: {
      out.type = WireType::bytes;
      std::uint64_t len = 0;
      if (!read_varint(p_, end_, len)) throw WireError("truncated length");
      if (len > static_cast<std::uint64_t>(end_ - p_))
        throw WireError("field runs past its message");
      out.bytes = std::string_view(p_, static_cast<std::size_t>(len));
      p_ += len;
      return true;
    }
    case 5:
      return fixed(out, WireType::fixed32, 4);
    default:
      throw WireError("unsupported wire type " + std::to_string(tag & 7));
    }
  }

private:
  bool fixed(WireField& out, WireType type, std::size_t size) {
    if (static_cast<std::size_t>(end_ - p_) < size) throw WireError("truncated fixed field");
    out.type = type;
    out.value = 0;
    for (std::size_t i = 0; i < size; ++i) // little endian
      out.value |= std::uint64_t{static_cast<unsigned char>(p_[i])} << (8 * i);
    p_ += size;
    return true;
  }

  const char* p_;
  const char* end_;
};

} // namespace memsim::trace
