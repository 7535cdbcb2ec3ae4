#include "core/chain/rlp.hpp"

#include <fmt/format.h>

#include <limits>

#include "core/error.hpp"

namespace bscbot::core::chain {

namespace {

constexpr std::uint8_t k_string_offset = 0x80;
constexpr std::uint8_t k_list_offset = 0xc0;
constexpr std::size_t k_max_short = 55;
constexpr int k_max_depth = 64;

// The prefix of a payload of `length` bytes: one byte for short payloads, else the length of
// the length followed by the big-endian length.
Bytes length_prefix(std::size_t length, std::uint8_t offset) {
  if (length <= k_max_short) return {static_cast<std::uint8_t>(offset + length)};
  Bytes len = to_minimal_bytes(U256(length));
  Bytes out{static_cast<std::uint8_t>(offset + k_max_short + len.size())};
  out.insert(out.end(), len.begin(), len.end());
  return out;
}

[[noreturn]] void malformed(const std::string& why) { throw Error(ErrorKind::data, "malformed RLP: " + why); }

class Decoder {
public:
  explicit Decoder(ByteView input) : m_input(input) {}

  // Decodes the item at `pos`, advancing `pos` past it; `end` bounds the enclosing list.
  RlpItem item(std::size_t& pos, std::size_t end, int depth) {
    if (depth > k_max_depth) malformed(fmt::format("lists nested deeper than {}", k_max_depth));
    if (pos >= end) malformed(fmt::format("item expected at offset {} but the input ends", pos));
    const std::uint8_t prefix = m_input[pos];
    RlpItem out;
    if (prefix < k_string_offset) {
      out.bytes = {prefix};
      ++pos;
      return out;
    }
    const bool is_list = prefix >= k_list_offset;
    const std::uint8_t offset = is_list ? k_list_offset : k_string_offset;
    const std::size_t start = pos;
    ++pos;
    std::size_t length = prefix - offset;
    if (length > k_max_short) {
      const std::size_t len_of_len = length - k_max_short;
      if (len_of_len > end - pos) malformed(fmt::format("length at offset {} is truncated", start));
      if (m_input[pos] == 0) malformed(fmt::format("length at offset {} has a leading zero", start));
      if (len_of_len > sizeof(std::size_t)) malformed(fmt::format("length at offset {} is too large", start));
      length = 0;
      for (std::size_t i = 0; i < len_of_len; ++i) length = (length << 8) | m_input[pos + i];
      pos += len_of_len;
      if (length <= k_max_short) malformed(fmt::format("long form used for a short length at offset {}", start));
    }
    if (length > end - pos) {
      malformed(fmt::format("item at offset {} claims {} bytes but only {} remain", start, length, end - pos));
    }
    const std::size_t payload_end = pos + length;
    if (is_list) {
      out.is_list = true;
      while (pos < payload_end) out.items.push_back(item(pos, payload_end, depth + 1));
    } else {
      if (length == 1 && m_input[pos] < k_string_offset) {
        malformed(fmt::format("single byte below 0x80 wrapped in a prefix at offset {}", start));
      }
      out.bytes.assign(m_input.begin() + static_cast<std::ptrdiff_t>(pos),
                       m_input.begin() + static_cast<std::ptrdiff_t>(payload_end));
      pos = payload_end;
    }
    return out;
  }

private:
  ByteView m_input;
};

}  // namespace

Bytes rlp_encode_bytes(ByteView bytes) {
  if (bytes.size() == 1 && bytes[0] < k_string_offset) return {bytes[0]};
  Bytes out = length_prefix(bytes.size(), k_string_offset);
  out.insert(out.end(), bytes.begin(), bytes.end());
  return out;
}

Bytes rlp_encode_string(std::string_view text) {
  return rlp_encode_bytes(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

Bytes rlp_encode_uint(const U256& value) { return rlp_encode_bytes(to_minimal_bytes(value)); }

Bytes rlp_encode_uint(std::uint64_t value) { return rlp_encode_uint(U256(value)); }

Bytes rlp_encode_list(const std::vector<Bytes>& encoded_items) {
  std::size_t length = 0;
  for (const Bytes& item : encoded_items) length += item.size();
  Bytes out = length_prefix(length, k_list_offset);
  out.reserve(out.size() + length);
  for (const Bytes& item : encoded_items) out.insert(out.end(), item.begin(), item.end());
  return out;
}

U256 RlpItem::as_uint() const {
  if (is_list) malformed("expected an integer, found a list");
  if (!bytes.empty() && bytes[0] == 0) malformed("integer with a leading zero byte");
  if (bytes.size() > 32) malformed(fmt::format("integer of {} bytes does not fit 256 bits", bytes.size()));
  return from_big_endian(bytes);
}

std::uint64_t RlpItem::as_u64() const {
  const U256 value = as_uint();
  if (value > std::numeric_limits<std::uint64_t>::max()) malformed("integer does not fit 64 bits");
  return static_cast<std::uint64_t>(value);
}

RlpItem rlp_decode(ByteView encoded) {
  Decoder decoder(encoded);
  std::size_t pos = 0;
  RlpItem out = decoder.item(pos, encoded.size(), 0);
  if (pos != encoded.size()) malformed(fmt::format("{} trailing bytes after the item", encoded.size() - pos));
  return out;
}

}  // namespace bscbot::core::chain
