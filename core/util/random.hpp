#pragma once
#include <string>

namespace bscbot::core {

// `bytes` bytes from the system CSPRNG (OpenSSL RAND_bytes), as lower-case hex.
std::string random_hex(std::size_t bytes);

}  // namespace bscbot::core
