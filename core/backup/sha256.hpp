#pragma once
// SHA-256 of backup files (OpenSSL's EVP digest): the manifest records it when a backup is made
// and `backup verify` recomputes it, so a file changed or cut short on the way is caught.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

namespace bscbot::core::backup {

class Sha256 {
public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, std::size_t size);
  // Lower-case hex of everything passed to update(); the object is spent afterwards.
  std::string hex_digest();

private:
  struct State;
  std::unique_ptr<State> m_state;
};

// SHA-256 of the whole file at `path` as lower-case hex; throws core::Error(not_found/io).
std::string sha256_file(const std::filesystem::path& path);

}  // namespace bscbot::core::backup
