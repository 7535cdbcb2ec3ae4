#pragma once
// The manual's monthly log archive (`tar -czf logs/archive_$(date -d "last month" +%Y%m).tar.gz`),
// apart from core/logs/log_files.hpp so that bscbotd, which never archives, does not link
// libarchive and the libxml2 and ICU behind it.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "core/util/clock.hpp"

namespace bscbot::core::logs {

struct ArchivePlan {
  std::filesystem::path archive;                 // where the tar.gz goes
  std::vector<std::filesystem::path> files;      // logs older than the cutoff
  std::uintmax_t bytes = 0;
};

struct ArchiveResult {
  ArchivePlan plan;
  bool written = false;
  std::uintmax_t archive_bytes = 0;
  std::vector<std::filesystem::path> deleted;
  std::vector<std::filesystem::path> already_archived;  // deleted because an archive of the month holds them already
};

// Which logs are older than `age` and the archive name: logs/archive_YYYYMM.tar.gz for the month
// before `clock`'s now, with a -2, -3 suffix instead of overwriting an existing archive.
ArchivePlan plan_archive(const std::filesystem::path& dir, std::chrono::seconds age, const Clock& clock);

// Writes the archive atomically, reads it back and compares every member with its source
// (size and SHA-256), and only then deletes the originals. A failure leaves every log in place.
// Logs an earlier, killed run had already archived (same name and content in an archive of
// the month) are deleted without a second copy.
ArchiveResult archive(const ArchivePlan& plan);

}  // namespace bscbot::core::logs
