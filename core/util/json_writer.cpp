#include "core/util/json_writer.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace bscbot::core {

namespace {

// Whether any of the eight bytes in `w` is below 0x20, a quote, a backslash or above 0x7f: the
// bytes a JSON string cannot copy as they are (the classic SWAR zero-byte test, on w itself for
// the control characters and on w XOR the byte for the two that must be escaped).
constexpr std::uint64_t k_ones = 0x0101010101010101ull;
constexpr std::uint64_t k_highs = 0x8080808080808080ull;
bool needs_care(std::uint64_t w) {
  const auto zero_in = [](std::uint64_t x) { return (x - k_ones) & ~x & k_highs; };
  return ((w - k_ones * 0x20) & ~w & k_highs) | zero_in(w ^ (k_ones * '"')) | zero_in(w ^ (k_ones * '\\')) | (w & k_highs);
}

}  // namespace

void JsonWriter::string(std::string_view s) {
  const std::size_t mark = m_out.size();
  m_out += '"';
  std::size_t plain = 0;  // start of the run of characters copied as they are
  const auto flush = [&](std::size_t i) { m_out.append(s.data() + plain, i - plain); };
  std::size_t i = 0;
  while (i < s.size()) {
    // Eight bytes at a time while none needs care (most of a trade: addresses, hashes, amounts).
    if (i + 8 <= s.size()) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (!needs_care(w)) {
        i += 8;
        continue;
      }
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      // Bytes above 0x7f may be invalid UTF-8 (an error text from a node): nlohmann decides how
      // they are replaced, so such a string goes through it.
      m_out.resize(mark);
      m_out += nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      return;
    }
    ++i;
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    flush(i - 1);
    plain = i;
    switch (c) {
      case '"': m_out += "\\\""; break;
      case '\\': m_out += "\\\\"; break;
      case '\b': m_out += "\\b"; break;
      case '\f': m_out += "\\f"; break;
      case '\n': m_out += "\\n"; break;
      case '\r': m_out += "\\r"; break;
      case '\t': m_out += "\\t"; break;
      default: {
        static constexpr char hex[] = "0123456789abcdef";
        m_out += "\\u00";
        m_out += hex[c >> 4];
        m_out += hex[c & 0xf];
      }
    }
  }
  flush(s.size());
  m_out += '"';
}

// As nlohmann's serializer writes a double: its shortest round-trip form ("1.0", "1e-05"), and
// null for NaN and the infinities; without building a value and a string for it.
void JsonWriter::number(double d) {
  if (!std::isfinite(d)) {
    m_out += "null";
    return;
  }
  char buf[64];
  char* end = nlohmann::detail::to_chars(buf, buf + sizeof buf, d);
  m_out.append(buf, static_cast<std::size_t>(end - buf));
}

}  // namespace bscbot::core
