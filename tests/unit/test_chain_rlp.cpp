#include <doctest/doctest.h>

#include <string>

#include "core/chain/rlp.hpp"
#include "core/error.hpp"

using namespace bscbot::core;
using namespace bscbot::core::chain;

// Vectors from the RLP page of the Ethereum wiki / ethereum.org docs
// (https://ethereum.org/en/developers/docs/data-structures-and-encoding/rlp/) and from
// ethereum/tests RLPTests/rlptest.json (longList1, bigint-style maximum).

namespace {

std::string hex(const Bytes& b) { return to_hex(b); }

const char* k_lorem = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";

}  // namespace

TEST_CASE("chain: RLP encodes strings as in the spec") {
  CHECK(hex(rlp_encode_string("dog")) == "0x83646f67");
  CHECK(hex(rlp_encode_string("")) == "0x80");
  CHECK(hex(rlp_encode_bytes(Bytes{0x00})) == "0x00");
  CHECK(hex(rlp_encode_bytes(Bytes{0x0f})) == "0x0f");
  CHECK(hex(rlp_encode_bytes(Bytes{0x7f})) == "0x7f");
  CHECK(hex(rlp_encode_bytes(Bytes{0x80})) == "0x8180");
  CHECK(hex(rlp_encode_bytes(Bytes{0x04, 0x00})) == "0x820400");
  const Bytes lorem = rlp_encode_string(k_lorem);
  CHECK(std::string(k_lorem).size() == 56);
  CHECK(hex(lorem) == "0xb838" + to_hex(Bytes(k_lorem, k_lorem + 56), HexPrefix::no));
  // 55 bytes is the last short string.
  CHECK(rlp_encode_bytes(Bytes(55, 0xaa))[0] == 0xb7);
  CHECK(rlp_encode_bytes(Bytes(1024, 0xaa))[0] == 0xb9);
  CHECK(rlp_encode_bytes(Bytes(1024, 0xaa))[1] == 0x04);
}

TEST_CASE("chain: RLP encodes integers minimally") {
  CHECK(hex(rlp_encode_uint(std::uint64_t{0})) == "0x80");
  CHECK(hex(rlp_encode_uint(std::uint64_t{15})) == "0x0f");
  CHECK(hex(rlp_encode_uint(std::uint64_t{127})) == "0x7f");
  CHECK(hex(rlp_encode_uint(std::uint64_t{128})) == "0x8180");
  CHECK(hex(rlp_encode_uint(std::uint64_t{1024})) == "0x820400");
  CHECK(hex(rlp_encode_uint(U256(0))) == "0x80");
  CHECK(hex(rlp_encode_uint(~U256(0))) == "0xa0" + std::string(64, 'f'));
}

TEST_CASE("chain: RLP encodes lists, nested and long") {
  CHECK(hex(rlp_encode_list({rlp_encode_string("cat"), rlp_encode_string("dog")})) == "0xc88363617483646f67");
  CHECK(hex(rlp_encode_list({})) == "0xc0");
  // The set-theoretic representation of three: [ [], [[]], [ [], [[]] ] ].
  const Bytes empty = rlp_encode_list({});
  const Bytes one = rlp_encode_list({empty});
  const Bytes three = rlp_encode_list({empty, one, rlp_encode_list({empty, one})});
  CHECK(hex(three) == "0xc7c0c1c0c3c0c1c0");
  // longList1: four times ["asdf","qwer","zxcv"], a 64-byte payload needing the long form.
  const Bytes inner = rlp_encode_list({rlp_encode_string("asdf"), rlp_encode_string("qwer"), rlp_encode_string("zxcv")});
  CHECK(hex(rlp_encode_list({inner, inner, inner, inner})) ==
        "0xf840cf84617364668471776572847a786376cf84617364668471776572847a786376cf84617364668471776572847a786376cf8461"
        "7364668471776572847a786376");
}

TEST_CASE("chain: RLP decodes what it encodes") {
  const RlpItem dog = rlp_decode(from_hex("0x83646f67"));
  CHECK_FALSE(dog.is_list);
  CHECK(dog.bytes == Bytes{'d', 'o', 'g'});

  const RlpItem pets = rlp_decode(from_hex("0xc88363617483646f67"));
  REQUIRE(pets.is_list);
  REQUIRE(pets.items.size() == 2);
  CHECK(pets.items[0].bytes == Bytes{'c', 'a', 't'});

  const RlpItem three = rlp_decode(from_hex("0xc7c0c1c0c3c0c1c0"));
  REQUIRE(three.items.size() == 3);
  CHECK(three.items[0].items.empty());
  CHECK(three.items[1].items.size() == 1);
  CHECK(three.items[2].items[1].items[0].is_list);

  const Bytes lorem = rlp_encode_string(k_lorem);
  const Bytes lorem_bytes = rlp_decode(lorem).bytes;
  CHECK(std::string(lorem_bytes.begin(), lorem_bytes.end()) == k_lorem);

  CHECK(rlp_decode(from_hex("0x80")).as_uint() == 0);
  CHECK(rlp_decode(from_hex("0x0f")).as_uint() == 15);
  CHECK(rlp_decode(from_hex("0x820400")).as_u64() == 1024);
  CHECK(rlp_decode(rlp_encode_uint(~U256(0))).as_uint() == ~U256(0));

  const Bytes big(70000, 0x11);
  CHECK(rlp_decode(rlp_encode_bytes(big)).bytes == big);
}

TEST_CASE("chain: RLP decoder refuses malformed and non-canonical input") {
  const auto refused = [](const char* hex_text) {
    CAPTURE(hex_text);
    CHECK_THROWS_AS(rlp_decode(from_hex(hex_text)), Error);
  };
  refused("0x");              // nothing
  refused("0x83646f");        // truncated string
  refused("0x83646f6700");    // trailing byte
  refused("0x8100");          // single byte below 0x80 wrapped in a prefix
  refused("0xb800");          // long form for a zero length
  refused("0xb837" "00");     // long form for a short length (and truncated)
  refused("0xb90000");        // length with a leading zero
  refused("0xc883636174");    // list shorter than it claims
  refused("0xbf0100000000000000");  // absurd length
  CHECK_THROWS_WITH_AS(rlp_decode(from_hex("0x8100")), doctest::Contains("malformed RLP"), Error);

  // Integers must be canonical too.
  CHECK_THROWS_WITH_AS(rlp_decode(from_hex("0x820004")).as_uint(), doctest::Contains("leading zero"), Error);
  CHECK_THROWS_AS(rlp_decode(from_hex("0xc0")).as_uint(), Error);
  CHECK_THROWS_AS(rlp_decode(rlp_encode_bytes(Bytes(33, 1))).as_uint(), Error);
  CHECK_THROWS_AS(rlp_decode(rlp_encode_uint(U256(1) << 64)).as_u64(), Error);

  // Deep nesting is refused rather than overflowing the stack.
  Bytes nested = rlp_encode_list({});
  for (int i = 0; i < 100; ++i) nested = rlp_encode_list({nested});
  CHECK_THROWS_WITH_AS(rlp_decode(nested), doctest::Contains("nested deeper"), Error);
}
