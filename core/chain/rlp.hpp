#pragma once
// Recursive Length Prefix, the serialisation Ethereum signs and hashes transactions in.
// Encoders take and return encoded items, so a list is built from already-encoded elements.
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/chain/hex.hpp"

namespace bscbot::core::chain {

// Encodes a byte string.
Bytes rlp_encode_bytes(ByteView bytes);

// Encodes the bytes of `text` as a byte string.
Bytes rlp_encode_string(std::string_view text);

// Encodes an integer as its minimal big-endian bytes; zero is the empty string (0x80).
Bytes rlp_encode_uint(const U256& value);
Bytes rlp_encode_uint(std::uint64_t value);

// Encodes a list whose elements are already RLP-encoded.
Bytes rlp_encode_list(const std::vector<Bytes>& encoded_items);

// One decoded item: a byte string or a list of items.
struct RlpItem {
  bool is_list = false;
  Bytes bytes;                 // the payload of a string
  std::vector<RlpItem> items;  // the elements of a list

  // Reads a string item as a canonical integer (no leading zeros, at most 32 bytes); throws
  // core::Error(data) for a list or a non-canonical number.
  U256 as_uint() const;

  // Like as_uint(), for values that must fit 64 bits (nonce, gas limit, chain id).
  std::uint64_t as_u64() const;
};

// Decodes exactly one item spanning all of `encoded`. Non-canonical encodings (long forms for
// short lengths, a single small byte wrapped in a prefix), truncation, trailing bytes and
// nesting deeper than 64 lists throw core::Error(data).
RlpItem rlp_decode(ByteView encoded);

}  // namespace bscbot::core::chain
