#include "core/backup/sha256.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/error.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::backup {

struct Sha256::State {
  EVP_MD_CTX* ctx = nullptr;
  ~State() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : m_state(std::make_unique<State>()) {
  m_state->ctx = EVP_MD_CTX_new();
  if (m_state->ctx == nullptr || EVP_DigestInit_ex(m_state->ctx, EVP_sha256(), nullptr) != 1) {
    throw Error(ErrorKind::internal, "OpenSSL could not start a SHA-256 digest");
  }
}

Sha256::~Sha256() = default;

void Sha256::update(const void* data, std::size_t size) {
  if (size > 0 && EVP_DigestUpdate(m_state->ctx, data, size) != 1) {
    throw Error(ErrorKind::internal, "OpenSSL SHA-256 update failed");
  }
}

std::string Sha256::hex_digest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(m_state->ctx, digest, &length) != 1) {
    throw Error(ErrorKind::internal, "OpenSSL SHA-256 final failed");
  }
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string sha256_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    throw Error(err == ENOENT ? ErrorKind::not_found : ErrorKind::io,
                fmt::format("cannot read {}: {}", path.string(), std::strerror(err)));
  }
  Sha256 sha;
  std::vector<char> buffer(1 << 20);
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      throw Error(ErrorKind::io, fmt::format("cannot read {}: {}", path.string(), std::strerror(err)));
    }
    sha.update(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  return sha.hex_digest();
}

std::string spot_sha256(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    throw Error(err == ENOENT ? ErrorKind::not_found : ErrorKind::io,
                fmt::format("cannot read {}: {}", path.string(), std::strerror(err)));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  const off_t size = ::lseek(fd, 0, SEEK_END);
  if (size < 0) throw Error(ErrorKind::io, fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  constexpr off_t k_block = 4096;
  Sha256 sha;
  const std::string size_text = std::to_string(size);
  sha.update(size_text.data(), size_text.size() + 1);
  std::vector<char> buffer(k_block);
  const off_t blocks = (size + k_block - 1) / k_block;
  const int reads = blocks <= k_spot_blocks ? static_cast<int>(blocks) : k_spot_blocks;
  for (int i = 0; i < reads; ++i) {
    // Block i of the spread: the first block, the last one, and the rest evenly between them.
    const off_t index = blocks <= k_spot_blocks ? i : (reads == 1 ? 0 : static_cast<off_t>(i) * (blocks - 1) / (reads - 1));
    const ssize_t n = ::pread(fd, buffer.data(), k_block, index * k_block);
    if (n < 0) throw Error(ErrorKind::io, fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
    sha.update(buffer.data(), static_cast<std::size_t>(n));
  }
  return sha.hex_digest();
}

}  // namespace bscbot::core::backup
