// RLP decoding (core/chain/rlp) and the signed legacy transactions built on it: the input is a
// raw transaction as eth_sendRawTransaction carries it. Properties: malformed, non-canonical,
// truncated or too deeply nested input is refused with core::Error only; since the decoder
// accepts only canonical encodings, whatever decodes re-encodes to exactly the input, item
// tree and transaction fields alike; a decoded transaction hashes to keccak256 of the input
// and its sender is recovered or refused cleanly.
#include "core/chain/keccak.hpp"
#include "core/chain/rlp.hpp"
#include "core/chain/transaction.hpp"
#include "fuzz/support/fuzz_support.hpp"

using namespace bscbot::core;
using namespace bscbot::core::chain;
using bscbot::fuzz::allow_refusal;

namespace {

Bytes encode(const RlpItem& item) {
  if (!item.is_list) return rlp_encode_bytes(item.bytes);
  std::vector<Bytes> parts;
  for (const RlpItem& i : item.items) parts.push_back(encode(i));
  return rlp_encode_list(parts);
}

Bytes encode(const SignedTransaction& t) {
  return rlp_encode_list({rlp_encode_uint(t.tx.nonce), rlp_encode_uint(t.tx.gas_price), rlp_encode_uint(t.tx.gas_limit),
                          t.tx.to ? rlp_encode_bytes(t.tx.to->bytes()) : rlp_encode_bytes({}), rlp_encode_uint(t.tx.value),
                          rlp_encode_bytes(t.tx.data), rlp_encode_uint(t.v), rlp_encode_uint(t.r), rlp_encode_uint(t.s)});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const ByteView raw(bytes, size);
  const std::string shown = to_hex(raw.first(std::min<std::size_t>(size, 256)));
  allow_refusal([&] {
    const RlpItem item = rlp_decode(raw);
    BSCBOT_FUZZ_CHECK(encode(item) == Bytes(raw.begin(), raw.end()), shown);
    if (!item.is_list) {
      allow_refusal([&] { BSCBOT_FUZZ_CHECK(rlp_encode_uint(item.as_uint()) == Bytes(raw.begin(), raw.end()), shown); });
      allow_refusal([&] { (void)item.as_u64(); });
    }
  });
  allow_refusal([&] {
    const SignedTransaction t = decode_signed_transaction(raw);
    BSCBOT_FUZZ_CHECK(t.raw == Bytes(raw.begin(), raw.end()) && t.hash == keccak256(raw), shown);
    BSCBOT_FUZZ_CHECK(encode(t) == t.raw, shown);
    allow_refusal([&] { (void)signing_hash(t.tx); });
    allow_refusal([&] { (void)recover_sender(t); });
  });
  return 0;
}
