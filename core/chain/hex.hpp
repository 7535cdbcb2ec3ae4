#pragma once
// Bytes and their text forms on the wire: 0x-hex for data, JSON-RPC QUANTITY for numbers, and
// 32-byte big-endian words for ABI and signatures.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/wei.hpp"

namespace bscbot::core::chain {

using Bytes = std::vector<std::uint8_t>;
using Bytes32 = std::array<std::uint8_t, 32>;
using ByteView = std::span<const std::uint8_t>;

// Whether hex text carries the "0x" prefix.
enum class HexPrefix { yes, no };

// Lower-case hex of `bytes`, "0x"-prefixed unless `prefix` says no; empty bytes give "0x".
std::string to_hex(ByteView bytes, HexPrefix prefix = HexPrefix::yes);

// Decodes hex with or without a "0x" prefix (either case); nullopt for an odd digit count or a
// non-hex character. For callers that must not echo the text in an error (keys).
std::optional<Bytes> try_from_hex(std::string_view text);

// Decodes hex like try_from_hex(), throwing core::Error(data) that says what was wrong.
Bytes from_hex(std::string_view text);

// Decodes hex that must hold exactly 32 bytes (hashes, topics); throws core::Error(data).
Bytes32 bytes32_from_hex(std::string_view text);

// JSON-RPC QUANTITY: "0x"-prefixed hex without leading zeros, "0x0" for zero.
std::string to_quantity(const U256& value);
std::string to_quantity(std::uint64_t value);

// Parses a QUANTITY; the "0x" prefix and at least one digit are required. Leading zeros are
// tolerated because some providers send them; values above 2^256-1 throw core::Error(data).
U256 parse_quantity(std::string_view text);

// Parses a QUANTITY that must fit 64 bits (block numbers, gas, nonces, chain ids).
std::uint64_t parse_quantity_u64(std::string_view text);

// 32-byte big-endian form of `value` (ABI words, signature r and s).
Bytes32 to_bytes32(const U256& value);

// Big-endian bytes of `value` without leading zeros; empty for zero (RLP integers).
Bytes to_minimal_bytes(const U256& value);

// Reads up to 32 big-endian bytes as a number; longer input throws core::Error(data).
U256 from_big_endian(ByteView bytes);

}  // namespace bscbot::core::chain
