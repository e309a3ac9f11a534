// The value parsers of the config loader (config.cpp): JSON numbers, sizes with their suffixes,
// booleans and the optional and enumerated fields, each naming the key of a bad value. Internal
// to src/core; include/memsim/config.hpp is the interface.
#pragma once

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "memsim/config.hpp"
#include "memsim/error.hpp"

namespace memsim::config_detail {

using nlohmann::json;

inline constexpr std::string_view kSizeHint =
    "(use an integer with B, KiB, MiB, GiB, TiB or the kernel's K, M, G, T, or a number of pages)";

// A value as messages show it: JSON text, any invalid UTF-8 replaced (a --set value or a trace
// header may hold any bytes; a strict dump() would throw instead of naming the bad value).
inline std::string shown(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// A JSON value that holds a non-negative integer (nlohmann keeps C++ ints as number_integer).
inline std::optional<std::uint64_t> json_unsigned(const json& value) {
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  if (value.is_number_integer() && value.get<std::int64_t>() >= 0) {
    return static_cast<std::uint64_t>(value.get<std::int64_t>());
  }
  return std::nullopt;
}

// The length of the leading number of `text`: decimal digits, or "0x" and hex digits (as the
// kernel's memparse and simple_strtoull take them).
inline std::size_t number_length(std::string_view text) {
  const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const std::string_view digits = hex ? "0123456789abcdefABCDEF" : "0123456789";
  const std::size_t begin = hex ? 2 : 0;
  return std::min(text.find_first_not_of(digits, begin), text.size());
}

// Whole-string decimal (or 0x hex) digits into `out`: std::errc{} on success,
// result_out_of_range when too large, invalid_argument for anything else (an empty string too).
inline std::errc parse_digits(std::string_view text, std::uint64_t& out) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    base = 16;
  }
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out, base);
  if (ec == std::errc{} && ptr != end) return std::errc::invalid_argument;
  return ec;
}

inline std::uint64_t parse_u64(const json& value, const std::string& where) {
  if (auto number = json_unsigned(value)) return *number;
  if (value.is_string()) {
    std::uint64_t number = 0;
    const std::errc ec = parse_digits(value.get_ref<const std::string&>(), number);
    if (ec == std::errc{}) return number;
    if (ec == std::errc::result_out_of_range) {
      throw InputError(fmt::format("{}: {} is too large", where, shown(value)));
    }
  }
  throw InputError(fmt::format("{}: {} is not an unsigned integer", where, shown(value)));
}

inline unsigned parse_unsigned(const json& value, const std::string& where) {
  const std::uint64_t number = parse_u64(value, where);
  if (number > UINT_MAX) {
    throw InputError(fmt::format("{}: {} is too large", where, shown(value)));
  }
  return static_cast<unsigned>(number);
}

inline bool parse_bool(const json& value, const std::string& where) {
  if (value.is_boolean()) return value.get<bool>();
  if (value == "true") return true;
  if (value == "false") return false;
  throw InputError(fmt::format("{}: {} is not true or false", where, shown(value)));
}

// The suffix multipliers of a size, exactly as spelled (docs/spec.md §2): the binary units and
// the letters of the kernel's memparse() (lib/cmdline.c, either case).
inline std::optional<std::uint64_t> size_multiplier(std::string_view suffix) {
  constexpr std::array<std::pair<std::string_view, unsigned>, 13> units{{{"B", 0},
                                                                         {"KiB", 10},
                                                                         {"MiB", 20},
                                                                         {"GiB", 30},
                                                                         {"TiB", 40},
                                                                         {"K", 10},
                                                                         {"M", 20},
                                                                         {"G", 30},
                                                                         {"T", 40},
                                                                         {"k", 10},
                                                                         {"m", 20},
                                                                         {"g", 30},
                                                                         {"t", 40}}};
  for (const auto& [name, shift] : units) {
    if (suffix == name) return std::uint64_t{1} << shift;
  }
  return std::nullopt;
}

// "1GB", "4kb": 10^n or 2^n bytes? Refused, naming the two spellings that are not ambiguous.
inline void refuse_si_suffix(const json& value, std::string_view key, std::string_view number,
                             std::string_view suffix) {
  if (suffix.size() != 2 || (suffix[1] != 'B' && suffix[1] != 'b') ||
      std::string_view("KMGTkmgt").find(suffix[0]) == std::string_view::npos)
    return;
  const char letter = static_cast<char>(std::toupper(static_cast<unsigned char>(suffix[0])));
  throw InputError(fmt::format("{}: {} is ambiguous (decimal or binary?): write {}{} or {}{}iB "
                               "(binary, as the kernel's memparse reads {}{}), or the bytes",
                               key, shown(value), number, letter, number, letter, number, letter));
}

inline Size parse_size_string(const json& value, std::string_view key) {
  const std::string_view text = value.get_ref<const std::string&>();
  const std::size_t split = number_length(text);
  if (split != 0 && split < text.size())
    refuse_si_suffix(value, key, text.substr(0, split), text.substr(split));
  const std::optional<std::uint64_t> multiplier =
      split == text.size() ? std::optional<std::uint64_t>{1} : size_multiplier(text.substr(split));
  std::uint64_t number = 0;
  const std::errc ec = parse_digits(text.substr(0, split), number);
  if (multiplier && (ec == std::errc::result_out_of_range ||
                     (ec == std::errc{} && number > UINT64_MAX / *multiplier))) {
    throw InputError(fmt::format("{}: {} is too large", key, shown(value)));
  }
  if (!multiplier || ec != std::errc{}) {
    throw InputError(fmt::format("{}: {} is not a whole size {}", key, shown(value), kSizeHint));
  }
  if (split == text.size()) return Size{number, true};
  return Size{number * *multiplier, false};
}

// Parsing into a field, by the field's type.
inline void parse_into(Size& field, const json& v, const std::string& where) {
  field = parse_size(v, where);
}
inline void parse_into(std::uint64_t& field, const json& v, const std::string& where) {
  field = parse_u64(v, where);
}
inline void parse_into(unsigned& field, const json& v, const std::string& where) {
  field = parse_unsigned(v, where);
}
inline void parse_into(std::optional<unsigned>& field, const json& v, const std::string& where) {
  field = parse_unsigned(v, where);
}
inline void parse_into(std::optional<std::uint64_t>& field, const json& v,
                       const std::string& where) {
  field = parse_u64(v, where);
}
inline void parse_into(bool& field, const json& v, const std::string& where) {
  field = parse_bool(v, where);
}
inline void parse_into(std::optional<Size>& field, const json& v, const std::string& where) {
  field = parse_size(v, where);
}
// A positive decimal number (JSON number or string), such as power.events_per_second.
inline void parse_into(std::optional<double>& field, const json& v, const std::string& where) {
  double number = v.is_number() ? v.get<double>() : 0;
  if (v.is_string()) {
    const std::string& text = v.get_ref<const std::string&>();
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc{} || end != text.data() + text.size()) number = 0;
  }
  if (!std::isfinite(number) || number <= 0)
    throw InputError(fmt::format("{}: {} is not a positive number", where, shown(v)));
  field = number;
}
inline void parse_into(RegionOrigin& field, const json& v, const std::string& where) {
  if (v != "zone" && v != "physical")
    throw InputError(fmt::format("{}: {} is not zone or physical", where, shown(v)));
  field = v == "zone" ? RegionOrigin::zone : RegionOrigin::physical;
}

} // namespace memsim::config_detail
