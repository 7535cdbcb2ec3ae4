#pragma once
// Optional gzip (zlib) or zstd compression of backup files, streamed in 1 MiB blocks so a
// database of any size needs no more memory than that. Both sides are hashed on the way, so the
// manifest can name the stored file and the database inside it.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/backup/staged_file.hpp"

namespace bscbot::core::backup {

enum class Compression { none, gzip, zstd };

std::string_view to_string(Compression c);

// "none", "gzip" or "zstd"; nullopt otherwise.
std::optional<Compression> parse_compression(std::string_view text);

// ".gz", ".zst" or "" for none.
std::string_view file_suffix(Compression c);

// What an existing file holds, judged by its first bytes (gzip 1f 8b, zstd 28 b5 2f fd); none
// for anything else, including a plain SQLite file.
Compression detect_compression(const std::filesystem::path& path);

struct StreamDigest {
  std::uintmax_t plain_bytes = 0;   // the database
  std::string plain_sha256;
  std::uintmax_t stored_bytes = 0;  // the file on disk (compressed or not)
  std::string stored_sha256;
};

// Told how many input bytes are done out of `total`.
using ByteProgress = std::function<void(std::uintmax_t done, std::uintmax_t total)>;

// Writes the file `plain` into `out` compressed with `compression` (a plain copy for none),
// hashing both sides; throws core::Error(io) when reading or writing fails.
StreamDigest compress_into(const std::filesystem::path& plain, StagedFile& out, Compression compression,
                           const ByteProgress& progress = {});

// Reads `stored` (compressed with `compression`, or plain), hashing both sides, and writes the
// plain bytes into `out` when given. A damaged or cut-off stream is core::Error(data).
StreamDigest expand(const std::filesystem::path& stored, Compression compression, StagedFile* out,
                    const ByteProgress& progress = {});

}  // namespace bscbot::core::backup
