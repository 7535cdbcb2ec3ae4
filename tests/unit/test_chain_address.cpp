#include <doctest/doctest.h>

#include "core/chain/address.hpp"
#include "core/error.hpp"

using namespace bscbot::core;
using namespace bscbot::core::chain;

// The test vectors listed in EIP-55 (https://eips.ethereum.org/EIPS/eip-55).
TEST_CASE("chain: EIP-55 checksums of the EIP's own vectors") {
  const char* vectors[] = {
      "0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
      "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26",
      "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
      "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
  };
  for (const char* v : vectors) {
    CAPTURE(v);
    const Address a = Address::parse(v);
    CHECK(a.to_checksum() == v);
  }
}

TEST_CASE("chain: addresses parse in any single case and print lower-case") {
  const Address a = Address::parse("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
  CHECK(a == Address::parse("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED"));
  CHECK(a == Address::parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"));
  CHECK(a.to_hex() == "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
  CHECK(a.bytes()[0] == 0x5a);
  CHECK(Address().is_zero());
  CHECK_FALSE(a.is_zero());
}

TEST_CASE("chain: bad addresses are refused with the reason") {
  // One letter's case flipped from the EIP-55 vector: a typo the checksum exists to catch.
  CHECK_THROWS_WITH_AS(Address::parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"), doctest::Contains("checksum"), Error);
  CHECK_THROWS_WITH_AS(Address::parse("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"), doctest::Contains("expected 0x"), Error);
  CHECK_THROWS_WITH_AS(Address::parse("0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea"), doctest::Contains("40 hex digits"), Error);
  CHECK_THROWS_WITH_AS(Address::parse("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaez"), doctest::Contains("not a hex digit"), Error);
  CHECK_THROWS_AS(Address::parse("0x0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea"), Error);
  CHECK_THROWS_AS(Address::parse("0X5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"), Error);
  CHECK_FALSE(Address::try_parse("0x1234").has_value());
  CHECK(Address::try_parse("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed").has_value());
}

TEST_CASE("chain: address from a 32-byte word") {
  Bytes32 word{};
  word[12] = 0x9d;
  word[31] = 0x4f;
  const Address a = Address::from_word(word);
  CHECK(a.to_hex() == "0x9d0000000000000000000000000000000000004f");
  word[0] = 1;
  CHECK_THROWS_WITH_AS(Address::from_word(word), doctest::Contains("upper 12 bytes"), Error);
}
