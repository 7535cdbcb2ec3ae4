#include "core/chain/transaction.hpp"

#include <fmt/format.h>

#include <limits>

#include "core/chain/keccak.hpp"
#include "core/chain/rlp.hpp"
#include "core/error.hpp"

namespace bscbot::core::chain {

namespace {

// Half the secp256k1 group order: EIP-2 makes signatures with a larger s invalid.
const U256& half_curve_order() {
  static const U256 half = parse_quantity("0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0");
  return half;
}

// The six fields every form of the transaction starts with.
std::vector<Bytes> common_fields(const LegacyTransaction& tx) {
  return {
      rlp_encode_uint(tx.nonce),
      rlp_encode_uint(tx.gas_price),
      rlp_encode_uint(tx.gas_limit),
      tx.to ? rlp_encode_bytes(tx.to->bytes()) : rlp_encode_bytes({}),
      rlp_encode_uint(tx.value),
      rlp_encode_bytes(tx.data),
  };
}

}  // namespace

Bytes signing_payload(const LegacyTransaction& tx) {
  if (tx.chain_id == 0) throw Error(ErrorKind::usage, "transaction chain id must not be 0 (EIP-155 replay protection)");
  std::vector<Bytes> fields = common_fields(tx);
  fields.push_back(rlp_encode_uint(tx.chain_id));
  fields.push_back(rlp_encode_uint(std::uint64_t{0}));
  fields.push_back(rlp_encode_uint(std::uint64_t{0}));
  return rlp_encode_list(fields);
}

Bytes32 signing_hash(const LegacyTransaction& tx) { return keccak256(ByteView(signing_payload(tx))); }

SignedTransaction sign_transaction(const LegacyTransaction& tx, const PrivateKey& key) {
  const Signature signature = key.sign(signing_hash(tx));
  SignedTransaction out;
  out.tx = tx;
  out.v = U256(signature.recovery_id) + U256(tx.chain_id) * 2 + 35;
  out.r = signature.r;
  out.s = signature.s;
  std::vector<Bytes> fields = common_fields(tx);
  fields.push_back(rlp_encode_uint(out.v));
  fields.push_back(rlp_encode_uint(out.r));
  fields.push_back(rlp_encode_uint(out.s));
  out.raw = rlp_encode_list(fields);
  out.hash = keccak256(ByteView(out.raw));
  return out;
}

SignedTransaction decode_signed_transaction(ByteView raw) {
  const RlpItem item = rlp_decode(raw);
  if (!item.is_list || item.items.size() != 9) {
    throw Error(ErrorKind::data, "not a legacy transaction: expected an RLP list of 9 fields");
  }
  const auto& f = item.items;
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (f[i].is_list) throw Error(ErrorKind::data, fmt::format("not a legacy transaction: field {} is a list", i));
  }
  SignedTransaction out;
  out.tx.nonce = f[0].as_u64();
  out.tx.gas_price = f[1].as_uint();
  out.tx.gas_limit = f[2].as_u64();
  if (f[3].bytes.size() == Address::k_size) {
    Address::Raw to{};
    std::copy(f[3].bytes.begin(), f[3].bytes.end(), to.begin());
    out.tx.to = Address(to);
  } else if (!f[3].bytes.empty()) {
    throw Error(ErrorKind::data, fmt::format("transaction recipient has {} bytes, expected 20 or none", f[3].bytes.size()));
  }
  out.tx.value = f[4].as_uint();
  out.tx.data = f[5].bytes;
  out.v = f[6].as_uint();
  out.r = f[7].as_uint();
  out.s = f[8].as_uint();
  if (out.v < 35) {
    throw Error(ErrorKind::data, fmt::format("transaction v={} is not EIP-155 (no chain id)", out.v.str()));
  }
  const U256 chain_id = (out.v - 35) / 2;
  if (chain_id > std::numeric_limits<std::uint64_t>::max()) throw Error(ErrorKind::data, "transaction chain id does not fit 64 bits");
  out.tx.chain_id = static_cast<std::uint64_t>(chain_id);
  if (out.s > half_curve_order()) throw Error(ErrorKind::data, "transaction signature has a high s value (EIP-2)");
  out.raw.assign(raw.begin(), raw.end());
  out.hash = keccak256(raw);
  return out;
}

Address recover_sender(const SignedTransaction& signed_tx) {
  if (signed_tx.v < 35 || (signed_tx.v - 35) / 2 != signed_tx.tx.chain_id) {
    throw Error(ErrorKind::data, fmt::format("transaction v={} does not match chain id {}", signed_tx.v.str(), signed_tx.tx.chain_id));
  }
  Signature signature;
  signature.r = signed_tx.r;
  signature.s = signed_tx.s;
  signature.recovery_id = static_cast<std::uint8_t>(static_cast<unsigned>((signed_tx.v - 35) % 2));
  return recover_address(signing_hash(signed_tx.tx), signature);
}

}  // namespace bscbot::core::chain
