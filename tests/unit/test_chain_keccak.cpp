#include <doctest/doctest.h>

#include <string>

#include "core/chain/keccak.hpp"

using namespace bscbot::core::chain;

// Ethereum's Keccak-256 (not NIST SHA3-256, whose hash of "" is a7ffc6f8...). Vectors from the
// Keccak team's submission as used by Ethereum (e.g. go-ethereum crypto tests, `cast keccak`).
TEST_CASE("chain: keccak256 matches Ethereum's vectors") {
  CHECK(to_hex(keccak256(std::string_view(""))) == "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  CHECK(to_hex(keccak256(std::string_view("abc"))) == "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  CHECK(to_hex(keccak256(ByteView())) == "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  const Bytes abc{'a', 'b', 'c'};
  CHECK(keccak256(ByteView(abc)) == keccak256(std::string_view("abc")));
}

TEST_CASE("chain: keccak256 over more than one block (136-byte rate)") {
  // 200 bytes spans two Keccak-256 blocks; the digest must be stable and differ from a prefix.
  const std::string long_text(200, 'a');
  CHECK(keccak256(std::string_view(long_text)) != keccak256(std::string_view(long_text).substr(0, 136)));
  CHECK(keccak256(std::string_view(long_text)) == keccak256(std::string_view(long_text)));
}
