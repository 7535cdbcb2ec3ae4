#pragma once
// The wallet key and what is done with it: derive the address, sign a hash, and recover the
// signer of a signature (to check our own transactions). The key never leaves this class: it
// has no accessor, no printer, and no error message names it.
#include <array>
#include <cstdint>
#include <string_view>

#include "core/chain/address.hpp"
#include "core/chain/hex.hpp"

namespace bscbot::core::chain {

// A recoverable secp256k1 signature; `s` is always in the lower half of the curve order.
struct Signature {
  U256 r;
  U256 s;
  std::uint8_t recovery_id = 0;  // 0 or 1: which of the candidate public keys signed
};

class PrivateKey {
public:
  static constexpr std::size_t k_size = 32;

  // Parses 64 hex digits, with or without "0x"; throws core::Error(config) that describes the
  // problem without echoing any of the text.
  static PrivateKey from_hex(std::string_view text);

  // Takes 32 raw bytes; throws core::Error(config) when they are not a valid secp256k1 key
  // (zero or not below the curve order).
  explicit PrivateKey(const std::array<std::uint8_t, k_size>& bytes);

  // Moves leave the source wiped; copies are refused so the key lives in as few places as
  // possible.
  PrivateKey(PrivateKey&& other) noexcept;
  PrivateKey& operator=(PrivateKey&& other) noexcept;
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;
  ~PrivateKey();

  // The 64-byte uncompressed public key (x then y, without the 0x04 tag).
  std::array<std::uint8_t, 64> public_key() const;

  // The Ethereum address: the last 20 bytes of keccak256(public_key()).
  Address address() const;

  // Signs a 32-byte digest deterministically (RFC 6979), with low s.
  Signature sign(const Bytes32& digest) const;

private:
  std::array<std::uint8_t, k_size> m_bytes{};
};

// The address of the key that produced `signature` over `digest`; throws core::Error(data)
// when the signature is invalid or not recoverable.
Address recover_address(const Bytes32& digest, const Signature& signature);

// The address belonging to a 64-byte uncompressed public key.
Address address_from_public_key(const std::array<std::uint8_t, 64>& public_key);

}  // namespace bscbot::core::chain
