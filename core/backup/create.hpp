#pragma once
// `bscbot backup`: the manual's scripts/backup.sh without its `cp` of a live file. An online,
// consistent copy through SQLite's backup API, checked, optionally compressed, hashed, written
// under a temp name and renamed into daily/ (and linked into weekly/ on Sundays and monthly/ on
// the 1st), with its manifest beside it and the `latest` pointer moved to it.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "core/backup/compression.hpp"
#include "core/backup/inspect.hpp"
#include "core/backup/manifest.hpp"
#include "core/backup/online_backup.hpp"
#include "core/backup/publish.hpp"
#include "core/backup/rotation.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::backup {

// Where a long backup is: "copy" counts pages, "check" has no count, "compress" and "hash"
// count bytes of the copy read.
struct BackupProgress {
  std::string_view phase;
  std::uintmax_t done = 0;
  std::uintmax_t total = 0;
  std::int64_t pages_done = -1;
  std::int64_t pages_total = -1;
};

using BackupProgressFn = std::function<void(const BackupProgress&)>;

struct CreateOptions {
  std::filesystem::path database;                // the live database
  std::filesystem::path backup_dir;              // BACKUP_DIR
  Compression compression = Compression::none;
  CheckLevel check = CheckLevel::quick;          // run on the copy before it is kept
  int step_pages = 1024;
  std::chrono::milliseconds step_sleep{0};
  int busy_timeout_ms = 5000;
  BackupProgressFn progress;
  // Free bytes on the filesystem of a path (tests replace it to simulate a full disk).
  std::function<std::uintmax_t(const std::filesystem::path&)> available_bytes;
};

struct CreateResult {
  std::filesystem::path path;                    // the daily backup
  Manifest manifest;
  std::vector<TierCopy> tier_copies;             // weekly / monthly
  std::filesystem::path latest;                  // the pointer, now leading to `path`
  CopyResult copy;
  std::chrono::milliseconds check_time{0};
  std::chrono::milliseconds store_time{0};       // hashing (and compressing) after the copy
  bool hashed_while_copying = false;             // the copy's SHA-256 came with it (copy_digest.hpp)
  bool counted_while_copying = false;            // the manifest's row counts too (CopyOptions::same_snapshot)
  std::chrono::milliseconds total_time{0};
};

// Room a backup of `database` needs in the backup folder: the database and its WAL, twice when
// compressing (the plain copy exists until the compressed one is written), plus a margin.
std::uintmax_t space_needed(const std::filesystem::path& database, Compression compression);

// Takes one backup at `clock`'s now. Throws core::Error — io when the disk is too full (checked
// before starting, and caught midway), conflict when another backup holds the lock, database when
// the copy fails its check — and leaves no partial file behind in every case.
CreateResult create_backup(const CreateOptions& options, const Clock& clock);

}  // namespace bscbot::core::backup
