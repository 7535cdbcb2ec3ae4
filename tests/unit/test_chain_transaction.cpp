#include <doctest/doctest.h>

#include "core/chain/keccak.hpp"
#include "core/chain/rlp.hpp"
#include "core/chain/transaction.hpp"
#include "core/error.hpp"

using namespace bscbot::core;
using namespace bscbot::core::chain;

namespace {

PrivateKey eip155_key() {
  return PrivateKey::from_hex("0x4646464646464646464646464646464646464646464646464646464646464646");
}

// The transaction of the EIP-155 example (https://eips.ethereum.org/EIPS/eip-155).
LegacyTransaction eip155_tx() {
  LegacyTransaction tx;
  tx.nonce = 9;
  tx.gas_price = U256("20000000000");
  tx.gas_limit = 21000;
  tx.to = Address::parse("0x3535353535353535353535353535353535353535");
  tx.value = U256("1000000000000000000");
  tx.chain_id = 1;
  return tx;
}

}  // namespace

TEST_CASE("chain: EIP-155 example signing data, hash and signature") {
  const LegacyTransaction tx = eip155_tx();
  CHECK(to_hex(signing_payload(tx)) ==
        "0xec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080");
  CHECK(to_hex(signing_hash(tx)) == "0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53");

  const SignedTransaction signed_tx = sign_transaction(tx, eip155_key());
  CHECK(signed_tx.v == 37);
  CHECK(signed_tx.r == U256("18515461264373351373200002665853028612451056578545711640558177340181847433846"));
  CHECK(signed_tx.s == U256("46948507304638947509940763649030358759909902576025900602547168820602576006531"));
  CHECK(to_hex(signed_tx.raw) ==
        "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc"
        "2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b"
        "6d83");
  CHECK(signed_tx.hash == keccak256(ByteView(signed_tx.raw)));
  CHECK(recover_sender(signed_tx).to_checksum() == "0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F");
}

TEST_CASE("chain: BSC (chain 56) transaction matches an independent signer") {
  // Produced offline by Foundry's `cast mktx --legacy --chain 56 --nonce 7 --gas-price 3000000000
  // --gas-limit 250000 --value 10000000000000000 --private-key 0x4646..46
  // 0x10ED43C718714eb63d5aA57B78B54704E256024E 0x7ff36ab5` (PancakeSwap router, swap selector).
  LegacyTransaction tx;
  tx.nonce = 7;
  tx.gas_price = U256("3000000000");
  tx.gas_limit = 250000;
  tx.to = Address::parse("0x10ED43C718714eb63d5aA57B78B54704E256024E");
  tx.value = U256("10000000000000000");
  tx.data = from_hex("0x7ff36ab5");
  tx.chain_id = 56;
  const SignedTransaction signed_tx = sign_transaction(tx, eip155_key());
  CHECK(signed_tx.v == 147);  // recovery id 0: 0 + 56 * 2 + 35
  CHECK(to_hex(signed_tx.raw) ==
        "0xf8700784b2d05e008303d0909410ed43c718714eb63d5aa57b78b54704e256024e872386f26fc10000847ff36ab58193a06775f3cf"
        "3a3acd7bf10fe86c3329bf5b5c75f02acdeae1a1f33be86401ab8a80a0187f66a1e9cd54c8caa53f5eb79dc0f870a0187967a18c22f9"
        "b4ac33a9c93047");

  const SignedTransaction decoded = decode_signed_transaction(signed_tx.raw);
  CHECK(decoded.tx.chain_id == 56);
  CHECK(decoded.tx.nonce == 7);
  CHECK(decoded.tx.gas_price == tx.gas_price);
  CHECK(decoded.tx.gas_limit == 250000);
  CHECK(decoded.tx.to == tx.to);
  CHECK(decoded.tx.value == tx.value);
  CHECK(decoded.tx.data == tx.data);
  CHECK(decoded.hash == signed_tx.hash);
  CHECK(recover_sender(decoded) == eip155_key().address());
}

TEST_CASE("chain: contract creation leaves the recipient empty") {
  // Also from `cast mktx --legacy --chain 56 --nonce 0 --gas-price 1000000000 --gas-limit 100000
  // --create 0x6080604052` with the EIP-155 example key.
  LegacyTransaction tx;
  tx.gas_price = U256("1000000000");
  tx.gas_limit = 100000;
  tx.data = from_hex("0x6080604052");
  tx.chain_id = 56;
  const SignedTransaction signed_tx = sign_transaction(tx, eip155_key());
  CHECK(to_hex(signed_tx.raw) ==
        "0xf85680843b9aca00830186a080808560806040528193a02f0812f98ac001deb55e57dec9ab3d3069e7f50f19b9059b3fc7b80f518096"
        "1ea03dc8f3db0d645db410168ec8f76df2fae851aa287fc01521bd480d9a370a65d3");
  const SignedTransaction decoded = decode_signed_transaction(signed_tx.raw);
  CHECK_FALSE(decoded.tx.to.has_value());
  CHECK(recover_sender(decoded) == eip155_key().address());
}

TEST_CASE("chain: the other recovery id gives v = chain_id * 2 + 36") {
  const PrivateKey key = eip155_key();
  bool seen[2] = {false, false};
  LegacyTransaction tx = eip155_tx();
  tx.chain_id = 56;
  for (std::uint64_t nonce = 0; nonce < 64 && !(seen[0] && seen[1]); ++nonce) {
    tx.nonce = nonce;
    const SignedTransaction signed_tx = sign_transaction(tx, key);
    CHECK((signed_tx.v == 147 || signed_tx.v == 148));
    seen[signed_tx.v == 148] = true;
    CHECK(recover_sender(decode_signed_transaction(signed_tx.raw)) == key.address());
  }
  CHECK(seen[0]);
  CHECK(seen[1]);
}

TEST_CASE("chain: transactions without replay protection or with bad signatures are refused") {
  LegacyTransaction tx = eip155_tx();
  tx.chain_id = 0;
  CHECK_THROWS_WITH_AS(signing_payload(tx), doctest::Contains("chain id"), Error);
  CHECK_THROWS_AS(sign_transaction(tx, eip155_key()), Error);

  // The pre-EIP-155 form (v = 27) of the same fields.
  const SignedTransaction good = sign_transaction(eip155_tx(), eip155_key());
  std::vector<Bytes> fields;
  for (const RlpItem& item : rlp_decode(good.raw).items) fields.push_back(rlp_encode_bytes(item.bytes));
  fields[6] = rlp_encode_uint(std::uint64_t{27});
  CHECK_THROWS_WITH_AS(decode_signed_transaction(rlp_encode_list(fields)), doctest::Contains("not EIP-155"), Error);

  // A high-s twin of a valid signature (s' = n - s) is malleable and refused (EIP-2).
  const U256 order = parse_quantity("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
  fields[6] = rlp_encode_uint(good.v);
  fields[8] = rlp_encode_uint(order - good.s);
  CHECK_THROWS_WITH_AS(decode_signed_transaction(rlp_encode_list(fields)), doctest::Contains("high s"), Error);

  CHECK_THROWS_AS(decode_signed_transaction(rlp_encode_list({})), Error);
  CHECK_THROWS_AS(decode_signed_transaction(from_hex("0x02f870")), Error);  // typed (EIP-1559) envelope
}
