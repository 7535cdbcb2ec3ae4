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

// The spot checksum the catalog compares on every listing, where a full hash would read every
// backup whole: SHA-256 of the file's size and of k_spot_blocks blocks of 4 KiB spread evenly
// from its first byte to its last (the whole file when it is smaller). Recorded in the manifest
// when the backup is written, it catches a file that is not the one its manifest describes (an
// older backup under a reused name, a copy cut short or overwritten), which the size alone does
// not; a change inside the blocks it skips is left to `backup verify`'s full SHA-256.
std::string spot_sha256(const std::filesystem::path& path);

inline constexpr int k_spot_blocks = 32;

}  // namespace bscbot::core::backup
