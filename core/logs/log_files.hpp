#pragma once
// The daemon's log folder as the manual treats it: `tail -1000 logs/api-server.log | grep -i
// error`, `find logs/ -name "*.log" -mtime +30`, and the monthly tar.gz archive.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/util/clock.hpp"

namespace bscbot::core::logs {

// *.log files in `dir` (the live api-server.log and its rotations), oldest modification first.
std::vector<std::filesystem::path> log_files(const std::filesystem::path& dir);

// The last `count` lines of `file` (reads from the end; cheap on large logs).
std::vector<std::string> tail_lines(const std::filesystem::path& file, std::size_t count);

// Whether a log line reports an error the way the manual counts them (`grep -i error`).
bool is_error_line(const std::string& line);

// The error lines among the last `scan` lines of the live log and, when needed, its rotations.
std::vector<std::string> recent_errors(const std::filesystem::path& dir, std::size_t scan);

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
