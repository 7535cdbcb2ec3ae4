#include <doctest/doctest.h>

#include "core/chain/hex.hpp"
#include "core/error.hpp"

using namespace bscbot::core;
using namespace bscbot::core::chain;

TEST_CASE("chain: to_hex and from_hex round trip, with and without prefix") {
  const Bytes bytes{0x00, 0x01, 0xab, 0xff};
  CHECK(to_hex(bytes) == "0x0001abff");
  CHECK(to_hex(bytes, HexPrefix::no) == "0001abff");
  CHECK(to_hex(Bytes{}) == "0x");
  CHECK(from_hex("0x0001abff") == bytes);
  CHECK(from_hex("0001ABFF") == bytes);
  CHECK(from_hex("0X0001aBfF") == bytes);
  CHECK(from_hex("0x").empty());
  CHECK(from_hex("").empty());
}

TEST_CASE("chain: from_hex rejects bad hex with a message that says why") {
  CHECK_THROWS_WITH_AS(from_hex("0x123"), doctest::Contains("odd number of digits"), Error);
  CHECK_THROWS_WITH_AS(from_hex("0x12zz"), doctest::Contains("unexpected character at position 4"), Error);
  CHECK_THROWS_AS(from_hex("0x0x12"), Error);
  CHECK_THROWS_AS(from_hex(" 0x12"), Error);
  try {
    from_hex("0xg0");
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::data);
  }
  CHECK_FALSE(try_from_hex("0x1").has_value());
  CHECK_FALSE(try_from_hex("xx").has_value());
  // Long junk is cut so one bad RPC answer cannot flood the log.
  const std::string junk(1000, 'q');
  try {
    from_hex(junk);
  } catch (const Error& e) {
    CHECK(std::string(e.what()).size() < 200);
  }
}

TEST_CASE("chain: bytes32_from_hex requires exactly 32 bytes") {
  const std::string h = "0x" + std::string(64, 'a');
  CHECK(bytes32_from_hex(h)[31] == 0xaa);
  CHECK_THROWS_WITH_AS(bytes32_from_hex("0xaabb"), doctest::Contains("not a 32-byte"), Error);
}

TEST_CASE("chain: quantities use JSON-RPC encoding without leading zeros") {
  // Examples from the Ethereum JSON-RPC spec (QUANTITY encoding).
  CHECK(to_quantity(U256(0)) == "0x0");
  CHECK(to_quantity(U256(0x41)) == "0x41");
  CHECK(to_quantity(U256(1024)) == "0x400");
  CHECK(to_quantity(std::uint64_t{0}) == "0x0");
  CHECK(to_quantity(std::uint64_t{1024}) == "0x400");
  CHECK(to_quantity(~U256(0)) == "0x" + std::string(64, 'f'));

  CHECK(parse_quantity("0x0") == 0);
  CHECK(parse_quantity("0x41") == 0x41);
  CHECK(parse_quantity("0x400") == 1024);
  CHECK(parse_quantity("0x0400") == 1024);  // tolerated from sloppy providers
  CHECK(parse_quantity("0xDE0B6B3A7640000") == U256(1000000000000000000ULL));
  CHECK(parse_quantity("0x" + std::string(64, 'f')) == ~U256(0));
  CHECK(parse_quantity_u64("0xffffffffffffffff") == 0xffffffffffffffffULL);
}

TEST_CASE("chain: bad quantities are refused") {
  CHECK_THROWS_WITH_AS(parse_quantity("0x"), doctest::Contains("at least one digit"), Error);
  CHECK_THROWS_AS(parse_quantity(""), Error);
  CHECK_THROWS_AS(parse_quantity("400"), Error);
  CHECK_THROWS_WITH_AS(parse_quantity("0xfg"), doctest::Contains("unexpected character 'g'"), Error);
  CHECK_THROWS_WITH_AS(parse_quantity("0x1" + std::string(64, '0')), doctest::Contains("more than 256 bits"), Error);
  CHECK_THROWS_WITH_AS(parse_quantity_u64("0x10000000000000000"), doctest::Contains("64 bits"), Error);
}

TEST_CASE("chain: U256 to and from big-endian bytes") {
  const U256 one_ether("1000000000000000000");
  const Bytes32 word = to_bytes32(one_ether);
  CHECK(to_hex(word) == "0x0000000000000000000000000000000000000000000000000de0b6b3a7640000");
  CHECK(from_big_endian(word) == one_ether);
  CHECK(to_hex(to_minimal_bytes(one_ether)) == "0x0de0b6b3a7640000");
  CHECK(to_minimal_bytes(U256(0)).empty());
  CHECK(to_hex(to_minimal_bytes(U256(1024))) == "0x0400");
  CHECK(from_big_endian(Bytes{}) == 0);
  CHECK(from_big_endian(to_bytes32(~U256(0))) == ~U256(0));
  CHECK_THROWS_AS(from_big_endian(Bytes(33, 1)), Error);
}
