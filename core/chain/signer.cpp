#include "core/chain/signer.hpp"

#include <cryptopp/misc.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <algorithm>
#include <cassert>
#include <random>

#include "core/chain/keccak.hpp"
#include "core/error.hpp"

namespace bscbot::core::chain {

namespace {

// One context for the process: created and randomised (side-channel blinding) once, then only
// read, which libsecp256k1 allows from any thread.
const secp256k1_context* context() {
  static const secp256k1_context* const ctx = [] {
    secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    std::array<unsigned char, 32> seed{};
    std::random_device random;
    for (auto& b : seed) b = static_cast<unsigned char>(random());
    const int ok = secp256k1_context_randomize(c, seed.data());
    assert(ok == 1);
    (void)ok;
    CryptoPP::SecureWipeBuffer(seed.data(), seed.size());
    return c;
  }();
  return ctx;
}

void wipe(std::array<std::uint8_t, PrivateKey::k_size>& bytes) { CryptoPP::SecureWipeBuffer(bytes.data(), bytes.size()); }

std::array<std::uint8_t, 64> serialize_uncompressed(const secp256k1_pubkey& pubkey) {
  std::array<unsigned char, 65> tagged{};
  std::size_t length = tagged.size();
  secp256k1_ec_pubkey_serialize(context(), tagged.data(), &length, &pubkey, SECP256K1_EC_UNCOMPRESSED);
  assert(length == 65 && tagged[0] == 0x04);
  std::array<std::uint8_t, 64> out{};
  std::copy(tagged.begin() + 1, tagged.end(), out.begin());
  return out;
}

}  // namespace

PrivateKey PrivateKey::from_hex(std::string_view text) {
  auto decoded = try_from_hex(text);
  if (!decoded || decoded->size() != k_size) {
    const bool wrong_length = decoded.has_value();
    if (decoded) CryptoPP::SecureWipeBuffer(decoded->data(), decoded->size());
    throw Error(ErrorKind::config, wrong_length ? "private key must be 32 bytes (64 hex digits)"
                                                : "private key is not hex (expected 64 hex digits, optionally 0x-prefixed)");
  }
  std::array<std::uint8_t, k_size> raw{};
  std::copy(decoded->begin(), decoded->end(), raw.begin());
  CryptoPP::SecureWipeBuffer(decoded->data(), decoded->size());
  try {
    PrivateKey key(raw);
    wipe(raw);
    return key;
  } catch (...) {
    wipe(raw);
    throw;
  }
}

PrivateKey::PrivateKey(const std::array<std::uint8_t, k_size>& bytes) : m_bytes(bytes) {
  if (secp256k1_ec_seckey_verify(context(), m_bytes.data()) != 1) {
    wipe(m_bytes);
    throw Error(ErrorKind::config, "private key is not a valid secp256k1 key (zero or not below the curve order)");
  }
}

PrivateKey::PrivateKey(PrivateKey&& other) noexcept : m_bytes(other.m_bytes) { wipe(other.m_bytes); }

PrivateKey& PrivateKey::operator=(PrivateKey&& other) noexcept {
  if (this != &other) {
    m_bytes = other.m_bytes;
    wipe(other.m_bytes);
  }
  return *this;
}

PrivateKey::~PrivateKey() { wipe(m_bytes); }

std::array<std::uint8_t, 64> PrivateKey::public_key() const {
  secp256k1_pubkey pubkey;
  // A moved-from key is all zeros, which secp256k1 refuses: using one is our bug.
  const int ok = secp256k1_ec_pubkey_create(context(), &pubkey, m_bytes.data());
  assert(ok == 1);
  if (ok != 1) throw Error(ErrorKind::internal, "private key used after it was moved from");
  return serialize_uncompressed(pubkey);
}

Address PrivateKey::address() const { return address_from_public_key(public_key()); }

Signature PrivateKey::sign(const Bytes32& digest) const {
  secp256k1_ecdsa_recoverable_signature sig;
  const int ok = secp256k1_ecdsa_sign_recoverable(context(), &sig, digest.data(), m_bytes.data(), nullptr, nullptr);
  assert(ok == 1);
  if (ok != 1) throw Error(ErrorKind::internal, "signing failed: private key used after it was moved from");
  std::array<unsigned char, 64> compact{};
  int recovery_id = 0;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(context(), compact.data(), &recovery_id, &sig);
  Signature out;
  out.r = from_big_endian(ByteView(compact.data(), 32));
  out.s = from_big_endian(ByteView(compact.data() + 32, 32));
  out.recovery_id = static_cast<std::uint8_t>(recovery_id);
  return out;
}

Address address_from_public_key(const std::array<std::uint8_t, 64>& public_key) {
  const Bytes32 hash = keccak256(ByteView(public_key));
  Address::Raw raw{};
  std::copy(hash.end() - Address::k_size, hash.end(), raw.begin());
  return Address(raw);
}

Address recover_address(const Bytes32& digest, const Signature& signature) {
  if (signature.recovery_id > 3) throw Error(ErrorKind::data, "signature recovery id must be 0-3");
  std::array<unsigned char, 64> compact{};
  const Bytes32 r = to_bytes32(signature.r);
  const Bytes32 s = to_bytes32(signature.s);
  std::copy(r.begin(), r.end(), compact.begin());
  std::copy(s.begin(), s.end(), compact.begin() + 32);
  secp256k1_ecdsa_recoverable_signature sig;
  if (secp256k1_ecdsa_recoverable_signature_parse_compact(context(), &sig, compact.data(), signature.recovery_id) != 1) {
    throw Error(ErrorKind::data, "signature r or s is out of range");
  }
  secp256k1_pubkey pubkey;
  if (secp256k1_ecdsa_recover(context(), &pubkey, &sig, digest.data()) != 1) {
    throw Error(ErrorKind::data, "no public key can be recovered from the signature");
  }
  return address_from_public_key(serialize_uncompressed(pubkey));
}

}  // namespace bscbot::core::chain
