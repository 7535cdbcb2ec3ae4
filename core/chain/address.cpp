#include "core/chain/address.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/chain/keccak.hpp"
#include "core/error.hpp"

namespace bscbot::core::chain {

namespace {

std::optional<std::string> parse_into(std::string_view text, Address::Raw& out) {
  if (text.size() != 2 + 2 * Address::k_size || text[0] != '0' || text[1] != 'x') {
    return "expected 0x followed by 40 hex digits";
  }
  const std::string_view digits = text.substr(2);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; })) {
    return "contains a character that is not a hex digit";
  }
  const auto bytes = try_from_hex(digits);
  std::copy(bytes->begin(), bytes->end(), out.begin());

  const bool has_lower = std::any_of(digits.begin(), digits.end(), [](char c) { return c >= 'a' && c <= 'f'; });
  const bool has_upper = std::any_of(digits.begin(), digits.end(), [](char c) { return c >= 'A' && c <= 'F'; });
  if (has_lower && has_upper && Address(out).to_checksum().substr(2) != digits) {
    return "mixed-case address with an invalid EIP-55 checksum (mistyped?)";
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> address_problem(std::string_view text) {
  Address::Raw raw{};
  return parse_into(text, raw);
}

Address Address::parse(std::string_view text) {
  Raw raw{};
  if (const auto problem = parse_into(text, raw)) {
    throw Error(ErrorKind::data, fmt::format("'{}' is not an address: {}", text.substr(0, 80), *problem));
  }
  return Address(raw);
}

std::optional<Address> Address::try_parse(std::string_view text) {
  Raw raw{};
  if (parse_into(text, raw)) return std::nullopt;
  return Address(raw);
}

Address Address::from_word(const Bytes32& word) {
  const std::size_t pad = word.size() - k_size;
  if (std::any_of(word.begin(), word.begin() + static_cast<std::ptrdiff_t>(pad), [](std::uint8_t b) { return b != 0; })) {
    throw Error(ErrorKind::data, fmt::format("{} is not an address word: the upper 12 bytes are not zero", chain::to_hex(word)));
  }
  Raw raw{};
  std::copy(word.begin() + static_cast<std::ptrdiff_t>(pad), word.end(), raw.begin());
  return Address(raw);
}

std::string Address::to_hex() const { return chain::to_hex(m_bytes); }

std::string Address::to_checksum() const {
  // EIP-55: upper-case a letter when the matching nibble of keccak(lower-case hex) is >= 8.
  const std::string lower = chain::to_hex(m_bytes, HexPrefix::no);
  const Bytes32 hash = keccak256(std::string_view(lower));
  std::string out = "0x";
  for (std::size_t i = 0; i < lower.size(); ++i) {
    const unsigned nibble = (i % 2 == 0) ? (hash[i / 2] >> 4) : (hash[i / 2] & 0x0f);
    const char c = lower[i];
    out += (c >= 'a' && nibble >= 8) ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
  }
  return out;
}

bool Address::is_zero() const {
  return std::all_of(m_bytes.begin(), m_bytes.end(), [](std::uint8_t b) { return b == 0; });
}

}  // namespace bscbot::core::chain
