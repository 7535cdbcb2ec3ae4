#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/chain/abi.hpp"
#include "core/error.hpp"

using namespace bscbot::core;
using namespace bscbot::core::chain;

// Expected encodings follow the Solidity ABI specification
// (https://docs.soliditylang.org/en/latest/abi-spec.html) and were cross-checked with Foundry's
// `cast calldata` / `cast abi-encode`.

namespace {

const Address k_wbnb = Address::parse("0xbb4CdB9CBd36B01bD1cBaEBF2De08d9173bc095c");
const Address k_busd = Address::parse("0xe9e7CEA3DedcA5984780Bafc599bD69ADd087D56");
const Address k_cake = Address::parse("0x0E09FaBB73Bd3Ade0a17ECC321fD13a19e81cE82");
const Address k_wallet = Address::parse("0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F");

std::string word(const std::string& hex_digits) { return std::string(64 - hex_digits.size(), '0') + hex_digits; }

Bytes words(const std::vector<std::string>& hex_words) {
  std::string all = "0x";
  for (const auto& w : hex_words) all += word(w);
  return from_hex(all);
}

}  // namespace

TEST_CASE("chain: function selectors and event topics") {
  CHECK(to_hex(function_selector("transfer(address,uint256)")) == "0xa9059cbb");
  CHECK(to_hex(function_selector("getAmountsOut(uint256,address[])")) == "0xd06ca61f");
  CHECK(to_hex(function_selector("swapExactETHForTokens(uint256,address[],address,uint256)")) == "0x7ff36ab5");
  CHECK(to_hex(function_selector("balanceOf(address)")) == "0x70a08231");
  CHECK(to_hex(function_selector("approve(address,uint256)")) == "0x095ea7b3");
  CHECK(to_hex(function_selector("getReserves()")) == "0x0902f1ac");
  CHECK(to_hex(function_selector("symbol()")) == "0x95d89b41");
  CHECK(to_hex(transfer_topic()) == "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
  CHECK(to_hex(swap_topic()) == "0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822");
}

TEST_CASE("chain: getAmountsOut(1e18, [WBNB, BUSD]) call data") {
  const std::vector<Address> path{k_wbnb, k_busd};
  const Bytes call = encode_call(function_selector("getAmountsOut(uint256,address[])"),
                                 AbiEncoder().uint256(U256("1000000000000000000")).address_array(path));
  CHECK(to_hex(call) ==
        "0xd06ca61f"
        "0000000000000000000000000000000000000000000000000de0b6b3a7640000"   // amountIn
        "0000000000000000000000000000000000000000000000000000000000000040"   // offset of path
        "0000000000000000000000000000000000000000000000000000000000000002"   // path length
        "000000000000000000000000bb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c"
        "000000000000000000000000e9e7cea3dedca5984780bafc599bd69add087d56");
}

TEST_CASE("chain: swapExactETHForTokens call data puts the array after the static arguments") {
  const std::vector<Address> path{k_wbnb, k_cake};
  const Bytes call = encode_call(function_selector("swapExactETHForTokens(uint256,address[],address,uint256)"),
                                 AbiEncoder().uint256(12345).address_array(path).address(k_wallet).uint256(1700000000));
  CHECK(to_hex(call) ==
        "0x7ff36ab5"
        "0000000000000000000000000000000000000000000000000000000000003039"
        "0000000000000000000000000000000000000000000000000000000000000080"
        "0000000000000000000000009d8a62f656a8d1615c1294fd71e9cfb3e4855a4f"
        "000000000000000000000000000000000000000000000000000000006553f100"
        "0000000000000000000000000000000000000000000000000000000000000002"
        "000000000000000000000000bb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c"
        "0000000000000000000000000e09fabb73bd3ade0a17ecc321fd13a19e81ce82");
}

TEST_CASE("chain: bytes and bool arguments") {
  const Bytes encoded = AbiEncoder().bytes(from_hex("0x0102030405")).boolean(true).encode();
  CHECK(to_hex(encoded) ==
        "0x0000000000000000000000000000000000000000000000000000000000000040"
        "0000000000000000000000000000000000000000000000000000000000000001"
        "0000000000000000000000000000000000000000000000000000000000000005"
        "0102030405000000000000000000000000000000000000000000000000000000");
  // Empty bytes: just the zero length; no arguments: no data.
  CHECK(to_hex(AbiEncoder().bytes(Bytes{}).encode()) == "0x" + word("20") + word("0"));
  CHECK(to_hex(encode_call(function_selector("getReserves()"))) == "0x0902f1ac");
  // Exactly 32 bytes need no padding.
  CHECK(AbiEncoder().bytes(Bytes(32, 7)).encode().size() == 96);
}

TEST_CASE("chain: decoding single return values") {
  CHECK(decode_uint256(words({"de0b6b3a7640000"})) == U256("1000000000000000000"));
  CHECK(decode_address(words({"bb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c"})) == k_wbnb);
  CHECK(decode_bool(words({"1"})));
  CHECK_FALSE(decode_bool(words({"0"})));
  CHECK_THROWS_WITH_AS(decode_bool(words({"2"})), doctest::Contains("not a bool"), Error);
  CHECK_THROWS_WITH_AS(decode_bool(Bytes{}), doctest::Contains("no word at slot 0"), Error);
  CHECK_THROWS_AS(decode_uint256(Bytes(31, 0)), Error);
  CHECK_THROWS_WITH_AS(decode_address(words({"1" + std::string(40, '0')})), doctest::Contains("not an address"), Error);
}

TEST_CASE("chain: decoding getAmountsOut's uint256[]") {
  const Bytes data = from_hex(
      "0x0000000000000000000000000000000000000000000000000000000000000020"
      "0000000000000000000000000000000000000000000000000000000000000002"
      "0000000000000000000000000000000000000000000000000de0b6b3a7640000"
      "000000000000000000000000000000000000000000000010eeaac415144f0ad2");
  const std::vector<U256> amounts = decode_uint256_array(data);
  REQUIRE(amounts.size() == 2);
  CHECK(amounts[0] == U256("1000000000000000000"));
  CHECK(amounts[1] == U256("312345678901234567890"));
  CHECK(decode_uint256_array(words({"20", "0"})).empty());
}

TEST_CASE("chain: malformed dynamic return data is refused, not over-read") {
  // Offset past the end.
  CHECK_THROWS_WITH_AS(decode_uint256_array(words({"40"})), doctest::Contains("points outside"), Error);
  // Length larger than what follows.
  CHECK_THROWS_WITH_AS(decode_uint256_array(words({"20", "3", "1", "2"})), doctest::Contains("runs past the end"), Error);
  // Absurd length that would overflow a multiplication.
  CHECK_THROWS_AS(decode_uint256_array(words({"20", std::string(64, 'f')})), Error);
  CHECK_THROWS_AS(decode_uint256_array(words({std::string(64, 'f')})), Error);
  CHECK_THROWS_AS(decode_uint256_array(Bytes{}), Error);
  // A string claiming 33 bytes with only one word after its length.
  CHECK_THROWS_WITH_AS(decode_string(words({"20", "21", "41"})), doctest::Contains("run past the end"), Error);
}

TEST_CASE("chain: decoding getReserves' (uint112, uint112, uint32)") {
  const Bytes data = from_hex(
      "0x000000000000000000000000000000000000ffffffffffffffffffffffffffff"
      "00000000000000000000000000000000000000000000000000000000075bcd15"
      "000000000000000000000000000000000000000000000000000000006553f100");
  const Reserves r = decode_reserves(data);
  CHECK(r.reserve0 == (U256(1) << 112) - 1);
  CHECK(r.reserve1 == 123456789);
  CHECK(r.block_timestamp_last == 1700000000u);
  // A reserve wider than uint112 or a timestamp wider than uint32 is not a pair's answer.
  CHECK_THROWS_WITH_AS(decode_reserves(words({"1" + std::string(28, '0'), "1", "1"})), doctest::Contains("uint112"), Error);
  CHECK_THROWS_WITH_AS(decode_reserves(words({"1", "1", "100000000"})), doctest::Contains("uint32"), Error);
  CHECK_THROWS_AS(decode_reserves(words({"1", "1"})), Error);
}

TEST_CASE("chain: decoding symbol() strings, including bytes32 symbols") {
  const Bytes cake = from_hex(
      "0x0000000000000000000000000000000000000000000000000000000000000020"
      "0000000000000000000000000000000000000000000000000000000000000004"
      "43616b6500000000000000000000000000000000000000000000000000000000");
  CHECK(decode_string(cake) == "Cake");
  // MKR-style tokens return bytes32.
  CHECK_THROWS_AS(decode_string(from_hex("0x4d4b5200000000000000000000000000000000000000000000000000000000")), Error);  // 31 bytes
  CHECK(decode_string(from_hex("0x4d4b520000000000000000000000000000000000000000000000000000000000")) == "MKR");
  CHECK(decode_string(words({"20", "0"})).empty());
}

TEST_CASE("chain: revert reasons") {
  // Error(string) as PancakeRouter reverts (cast calldata "Error(string)" ...).
  const Bytes error = from_hex(
      "0x08c379a0"
      "0000000000000000000000000000000000000000000000000000000000000020"
      "0000000000000000000000000000000000000000000000000000000000000029"
      "50616e63616b65526f757465723a20494e53554646494349454e545f4f55545055545f414d4f554e5400000000000000000000000000000000000000"
      "00000000000000");
  CHECK(decode_revert_reason(error) == std::optional<std::string>("PancakeRouter: INSUFFICIENT_OUTPUT_AMOUNT"));
  CHECK(decode_revert_reason(from_hex("0x4e487b71" + word("11"))) == std::optional<std::string>("panic 0x11"));
  CHECK_FALSE(decode_revert_reason(Bytes{}).has_value());
  CHECK_FALSE(decode_revert_reason(from_hex("0xdeadbeef")).has_value());  // a custom error
  CHECK_THROWS_AS(decode_revert_reason(from_hex("0x08c379a0" + word("20"))), Error);
}

TEST_CASE("chain: Transfer and Swap events") {
  Log transfer;
  transfer.address = k_cake;
  transfer.topics = {transfer_topic(), bytes32_from_hex("0x" + word(k_wallet.to_hex().substr(2))),
                     bytes32_from_hex("0x" + word(k_wbnb.to_hex().substr(2)))};
  transfer.data = words({"de0b6b3a7640000"});
  const auto t = decode_transfer(transfer);
  REQUIRE(t.has_value());
  CHECK(t->token == k_cake);
  CHECK(t->from == k_wallet);
  CHECK(t->to == k_wbnb);
  CHECK(t->value == U256("1000000000000000000"));
  CHECK_FALSE(decode_swap(transfer).has_value());

  // An ERC-721 Transfer has the same topic but a fourth (tokenId) topic and no data.
  Log nft = transfer;
  nft.topics.push_back(Bytes32{});
  nft.data.clear();
  CHECK_FALSE(decode_transfer(nft).has_value());

  Log broken = transfer;
  broken.data.resize(10);
  CHECK_THROWS_WITH_AS(decode_transfer(broken), doctest::Contains("Transfer event data"), Error);

  Log swap;
  swap.address = k_busd;
  swap.topics = {swap_topic(), bytes32_from_hex("0x" + word("10ed43c718714eb63d5aa57b78b54704e256024e")),
                 bytes32_from_hex("0x" + word(k_wallet.to_hex().substr(2)))};
  swap.data = words({"0", "de0b6b3a7640000", "10eeaac415144f0ad2", "0"});
  const auto s = decode_swap(swap);
  REQUIRE(s.has_value());
  CHECK(s->pair == k_busd);
  CHECK(s->sender == Address::parse("0x10ED43C718714eb63d5aA57B78B54704E256024E"));
  CHECK(s->to == k_wallet);
  CHECK(s->amount0_in == 0);
  CHECK(s->amount1_in == U256("1000000000000000000"));
  CHECK(s->amount0_out == U256("312345678901234567890"));
  CHECK(s->amount1_out == 0);
  CHECK_FALSE(decode_transfer(swap).has_value());
  swap.data.resize(96);
  CHECK_THROWS_AS(decode_swap(swap), Error);
}
