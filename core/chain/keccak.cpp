#include "core/chain/keccak.hpp"

#include <cryptopp/keccak.h>

namespace bscbot::core::chain {

Bytes32 keccak256(ByteView data) {
  static_assert(CryptoPP::Keccak_256::DIGESTSIZE == 32);
  CryptoPP::Keccak_256 hash;
  hash.Update(data.data(), data.size());
  Bytes32 out{};
  hash.Final(out.data());
  return out;
}

Bytes32 keccak256(std::string_view text) {
  return keccak256(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

}  // namespace bscbot::core::chain
