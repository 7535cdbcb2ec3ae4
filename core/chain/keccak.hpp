#pragma once
// Ethereum's hash: the original Keccak-256 (padding 0x01), which differs from NIST SHA3-256.
#include <string_view>

#include "core/chain/hex.hpp"

namespace bscbot::core::chain {

// Keccak-256 of `data`: transaction hashes, signing hashes, addresses, ABI selectors.
Bytes32 keccak256(ByteView data);

// Keccak-256 of the bytes of `text` (function and event signatures).
Bytes32 keccak256(std::string_view text);

}  // namespace bscbot::core::chain
