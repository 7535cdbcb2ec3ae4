#pragma once
// Finding the newest database backup under BACKUP_DIR (daily/, weekly/, monthly/ or flat, plain
// or compressed) and telling whether it looks whole, for the audit's backup-freshness finding
// and the incident report's "newest backup".
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/util/clock.hpp"

namespace bscbot::core::checks {

struct BackupFile {
  std::filesystem::path path;
  SystemTime modified;
  std::uintmax_t bytes = 0;
  std::string compression;  // "", "gzip", "zstd", or "pg_dump" for a PostgreSQL backup
};

// *.sqlite, *.sqlite.gz, *.sqlite.zst and *.pgdump files below `dir`, newest first by modification time;
// empty when `dir` does not exist.
std::vector<BackupFile> find_backups(const std::filesystem::path& dir);

enum class BackupDepth {
  header,       // the SQLite header (after decompression for .gz/.zst)
  quick_check,  // plus PRAGMA quick_check for uncompressed files
};

struct BackupVerdict {
  bool good = false;
  std::string reason;  // "ok" or what is wrong
};

// Looks at one backup without changing it or creating files beside it.
BackupVerdict inspect_backup(const BackupFile& file, BackupDepth depth);

// The newest backup that passes inspect_backup(); `rejected` collects the newer ones that did not.
std::optional<BackupFile> newest_good_backup(const std::vector<BackupFile>& backups, BackupDepth depth,
                                             std::vector<std::pair<BackupFile, std::string>>* rejected = nullptr);

}  // namespace bscbot::core::checks
