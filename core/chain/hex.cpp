#include "core/chain/hex.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "core/error.hpp"

namespace bscbot::core::chain {

namespace {

constexpr char k_digits[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view strip_prefix(std::string_view text) {
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.remove_prefix(2);
  return text;
}

// Long inputs are cut in error messages so one bad RPC answer does not flood the log.
std::string shorten(std::string_view text) {
  constexpr std::size_t k_max_shown = 80;
  if (text.size() <= k_max_shown) return std::string(text);
  return fmt::format("{}...({} chars)", text.substr(0, k_max_shown), text.size());
}

}  // namespace

std::string to_hex(ByteView bytes, HexPrefix prefix) {
  std::string out;
  out.reserve(bytes.size() * 2 + 2);
  if (prefix == HexPrefix::yes) out += "0x";
  for (std::uint8_t b : bytes) {
    out += k_digits[b >> 4];
    out += k_digits[b & 0x0f];
  }
  return out;
}

std::optional<Bytes> try_from_hex(std::string_view text) {
  const std::string_view digits = strip_prefix(text);
  if (digits.size() % 2 != 0) return std::nullopt;
  Bytes out(digits.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_value(digits[2 * i]);
    const int lo = hex_value(digits[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return out;
}

Bytes from_hex(std::string_view text) {
  const std::string_view digits = strip_prefix(text);
  if (digits.size() % 2 != 0) {
    throw Error(ErrorKind::data, fmt::format("'{}' is not hex bytes: odd number of digits", shorten(text)));
  }
  const auto bad = std::find_if(digits.begin(), digits.end(), [](char c) { return hex_value(c) < 0; });
  if (bad != digits.end()) {
    throw Error(ErrorKind::data,
                fmt::format("'{}' is not hex bytes: unexpected character at position {}", shorten(text),
                            static_cast<std::size_t>(bad - digits.begin()) + (text.size() - digits.size())));
  }
  return *try_from_hex(text);
}

Bytes32 bytes32_from_hex(std::string_view text) {
  const Bytes bytes = from_hex(text);
  if (bytes.size() != 32) {
    throw Error(ErrorKind::data, fmt::format("'{}' is not a 32-byte hex value ({} bytes)", shorten(text), bytes.size()));
  }
  Bytes32 out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

std::string to_quantity(const U256& value) {
  if (value == 0) return "0x0";
  std::string digits;
  U256 rest = value;
  while (rest != 0) {
    digits += k_digits[static_cast<unsigned>(rest & 0x0f)];
    rest >>= 4;
  }
  std::reverse(digits.begin(), digits.end());
  return "0x" + digits;
}

std::string to_quantity(std::uint64_t value) { return fmt::format("{:#x}", value); }

U256 parse_quantity(std::string_view text) {
  if (text.size() < 3 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) {
    throw Error(ErrorKind::data, fmt::format("'{}' is not a hex quantity: expected 0x and at least one digit", shorten(text)));
  }
  std::string_view digits = text.substr(2);
  digits.remove_prefix(std::min(digits.find_first_not_of('0'), digits.size()));
  if (digits.size() > 64) {
    throw Error(ErrorKind::data, fmt::format("'{}' is not a hex quantity: more than 256 bits", shorten(text)));
  }
  U256 value = 0;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    const int v = hex_value(digits[i]);
    if (v < 0) {
      throw Error(ErrorKind::data, fmt::format("'{}' is not a hex quantity: unexpected character '{}'", shorten(text), digits[i]));
    }
    value = (value << 4) | static_cast<unsigned>(v);
  }
  return value;
}

std::uint64_t parse_quantity_u64(std::string_view text) {
  const U256 value = parse_quantity(text);
  if (value > std::numeric_limits<std::uint64_t>::max()) {
    throw Error(ErrorKind::data, fmt::format("'{}' does not fit 64 bits", shorten(text)));
  }
  return static_cast<std::uint64_t>(value);
}

Bytes32 to_bytes32(const U256& value) {
  Bytes32 out{};
  U256 rest = value;
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[out.size() - 1 - i] = static_cast<std::uint8_t>(static_cast<unsigned>(rest & 0xff));
    rest >>= 8;
  }
  return out;
}

Bytes to_minimal_bytes(const U256& value) {
  const Bytes32 word = to_bytes32(value);
  const auto first = std::find_if(word.begin(), word.end(), [](std::uint8_t b) { return b != 0; });
  return Bytes(first, word.end());
}

U256 from_big_endian(ByteView bytes) {
  if (bytes.size() > 32) {
    throw Error(ErrorKind::data, fmt::format("a {}-byte number does not fit 256 bits", bytes.size()));
  }
  U256 value = 0;
  for (std::uint8_t b : bytes) value = (value << 8) | b;
  return value;
}

}  // namespace bscbot::core::chain
