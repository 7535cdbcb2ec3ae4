#include "core/util/random.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <vector>

#include "core/error.hpp"

namespace bscbot::core {

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) {
    throw Error(ErrorKind::internal, "the system random generator failed");
  }
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char b : buf) out += fmt::format("{:02x}", b);
  return out;
}

}  // namespace bscbot::core
