#pragma once
// Legacy (type 0) transactions with EIP-155 replay protection: what BSC nodes and PancakeSwap
// accept from every wallet. Signing happens here; sending is the caller's (eth.hpp).
#include <cstdint>
#include <optional>

#include "core/chain/address.hpp"
#include "core/chain/hex.hpp"
#include "core/chain/signer.hpp"

namespace bscbot::core::chain {

struct LegacyTransaction {
  std::uint64_t nonce = 0;
  U256 gas_price;
  std::uint64_t gas_limit = 0;
  std::optional<Address> to;  // none: contract creation
  U256 value;
  Bytes data;
  std::uint64_t chain_id = 0;  // 56 on BSC mainnet, 97 on testnet
};

struct SignedTransaction {
  LegacyTransaction tx;
  U256 v;  // recovery id + chain_id * 2 + 35
  U256 r;
  U256 s;
  Bytes raw;    // rlp([nonce, gasPrice, gasLimit, to, value, data, v, r, s]), for eth_sendRawTransaction
  Bytes32 hash;  // keccak256(raw): the transaction hash the chain will know it by
};

// The EIP-155 signing payload rlp([nonce, gasPrice, gasLimit, to, value, data, chainId, 0, 0]);
// throws core::Error(usage) for chain id 0, which EIP-155 cannot protect.
Bytes signing_payload(const LegacyTransaction& tx);

// keccak256 of signing_payload(): the digest the key signs.
Bytes32 signing_hash(const LegacyTransaction& tx);

// Signs `tx` with `key` and serialises it for broadcast.
SignedTransaction sign_transaction(const LegacyTransaction& tx, const PrivateKey& key);

// Parses a raw EIP-155 legacy transaction (to check what we are about to send); throws
// core::Error(data) for malformed RLP, a pre-EIP-155 v, or a high-s signature.
SignedTransaction decode_signed_transaction(ByteView raw);

// The address that signed `signed_tx`, recovered from its signature.
Address recover_sender(const SignedTransaction& signed_tx);

}  // namespace bscbot::core::chain
