#pragma once
// A 20-byte account or contract address, parsed strictly so a mistyped address is refused
// before any money moves.
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/chain/hex.hpp"

namespace bscbot::core::chain {

// Why `text` is not an address, or nullopt when it is one: "0x" and 40 hex digits, all lower,
// all upper, or mixed case with a valid EIP-55 checksum. The one address rule: the config
// loader, the API and the trade engine all ask it.
std::optional<std::string> address_problem(std::string_view text);

class Address {
public:
  static constexpr std::size_t k_size = 20;
  using Raw = std::array<std::uint8_t, k_size>;

  // The zero address.
  Address() = default;
  explicit Address(const Raw& bytes) : m_bytes(bytes) {}

  // Parses "0x" + 40 hex digits. All-lower and all-upper digits are accepted as they are;
  // mixed case must be a valid EIP-55 checksum. Throws core::Error(data) naming the text.
  static Address parse(std::string_view text);

  // Like parse(), but nullopt instead of an exception.
  static std::optional<Address> try_parse(std::string_view text);

  // Takes the last 20 bytes of a 32-byte word (ABI values, indexed event topics); throws
  // core::Error(data) if the 12 leading bytes are not zero.
  static Address from_word(const Bytes32& word);

  // Lower-case "0x..." form, as JSON-RPC and the database store it.
  std::string to_hex() const;

  // EIP-55 mixed-case form, for people to read and compare.
  std::string to_checksum() const;

  // The 20 bytes, for RLP and ABI encoding.
  const Raw& bytes() const { return m_bytes; }
  // The zero address: the burn address, and "no recipient" in some APIs.
  bool is_zero() const;

  auto operator<=>(const Address&) const = default;

private:
  Raw m_bytes{};
};

}  // namespace bscbot::core::chain
