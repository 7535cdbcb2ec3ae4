#include <doctest/doctest.h>

#include <ostream>
#include <string>
#include <type_traits>

#include "core/chain/keccak.hpp"
#include "core/chain/signer.hpp"
#include "core/error.hpp"

using namespace bscbot::core;
using namespace bscbot::core::chain;

namespace {

// The key of the EIP-155 example (https://eips.ethereum.org/EIPS/eip-155).
constexpr const char* k_key_hex = "0x4646464646464646464646464646464646464646464646464646464646464646";

template <typename T>
concept Streamable = requires(std::ostream& os, const T& value) { os << value; };

// secp256k1 group order n, and n/2 (EIP-2's bound on s).
const U256 k_order = parse_quantity("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");

}  // namespace

static_assert(!Streamable<PrivateKey>, "a private key must not be printable");
static_assert(!std::is_copy_constructible_v<PrivateKey>);
static_assert(!std::is_copy_assignable_v<PrivateKey>);

TEST_CASE("chain: the EIP-155 example key has the known address") {
  const PrivateKey key = PrivateKey::from_hex(k_key_hex);
  CHECK(key.address().to_checksum() == "0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F");
  // Without the 0x prefix and in upper case it is the same key.
  CHECK(PrivateKey::from_hex("4646464646464646464646464646464646464646464646464646464646464646").address() == key.address());
}

TEST_CASE("chain: sign and recover round trip with low s") {
  const PrivateKey key = PrivateKey::from_hex(k_key_hex);
  for (int i = 0; i < 20; ++i) {
    const Bytes32 digest = keccak256(std::string_view("message " + std::to_string(i)));
    const Signature sig = key.sign(digest);
    CHECK(sig.recovery_id <= 1);
    CHECK(sig.r > 0);
    CHECK(sig.s > 0);
    CHECK(sig.s <= k_order / 2);
    CHECK(recover_address(digest, sig) == key.address());
    // Deterministic (RFC 6979): the same digest gives the same signature.
    const Signature again = key.sign(digest);
    CHECK((again.r == sig.r && again.s == sig.s && again.recovery_id == sig.recovery_id));
    // A different digest does not recover our address.
    const Bytes32 other = keccak256(std::string_view("other " + std::to_string(i)));
    CHECK(recover_address(other, sig) != key.address());
  }
}

TEST_CASE("chain: invalid signatures are refused") {
  const Bytes32 digest = keccak256(std::string_view("x"));
  Signature sig;
  sig.r = 0;
  sig.s = 1;
  CHECK_THROWS_AS(recover_address(digest, sig), Error);
  sig.r = k_order;  // out of range
  CHECK_THROWS_AS(recover_address(digest, sig), Error);
  sig.r = 1;
  sig.recovery_id = 4;
  CHECK_THROWS_WITH_AS(recover_address(digest, sig), doctest::Contains("recovery id"), Error);
}

TEST_CASE("chain: bad private keys are refused without echoing them") {
  const std::string secretish = "0x4646464646464646464646464646464646464646464646464646464646464Z46";
  const auto check_refused = [](const std::string& text, const char* reason) {
    CAPTURE(reason);
    try {
      PrivateKey::from_hex(text);
      FAIL("expected an error");
    } catch (const Error& e) {
      const std::string message = e.what();
      CHECK(e.kind() == ErrorKind::config);
      CHECK(message.find("4646") == std::string::npos);
      CHECK(message.find(reason) != std::string::npos);
    }
  };
  check_refused(secretish, "not hex");
  check_refused("0x464646464646", "32 bytes");
  check_refused("0x" + std::string(64, '0'), "not a valid secp256k1 key");
  check_refused(to_hex(to_bytes32(k_order)), "not a valid secp256k1 key");
}

TEST_CASE("chain: a moved private key wipes its source") {
  PrivateKey key = PrivateKey::from_hex(k_key_hex);
  const Address address = key.address();
  PrivateKey moved(std::move(key));
  CHECK(moved.address() == address);
  PrivateKey assigned = PrivateKey::from_hex("0x" + std::string(63, '0') + "1");
  assigned = std::move(moved);
  CHECK(assigned.address() == address);
}

TEST_CASE("chain: key 1 has the well-known public key G") {
  // Private key 1's public key is the secp256k1 generator point (SEC 2, section 2.4.1).
  const PrivateKey one = PrivateKey::from_hex("0x" + std::string(63, '0') + "1");
  const auto pub = one.public_key();
  CHECK(to_hex(pub) ==
        "0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
        "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8");
  // Its address, as every Ethereum tool reports it.
  CHECK(one.address().to_checksum() == "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
}
