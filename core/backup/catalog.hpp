#pragma once
// What the backup folder holds: every backup of every tier with its manifest and whether it is
// "good" (a manifest that parses, a recorded check that passed, and a file that agrees with it:
// the recorded size and spot checksum; the full SHA-256 is `backup verify`'s), plus the `latest`
// pointer, and the leftovers (temp files, manifests without a backup) that the next backup or
// prune clears. Reading it never changes anything. Nothing here opens the backup as a database,
// so a dump of another engine can share the catalog, manifests, tiers and rotation.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/backup/manifest.hpp"
#include "core/backup/rotation.hpp"
#include "core/util/clock.hpp"
#include "core/util/files.hpp"

namespace bscbot::core::backup {

enum class DryRun { no, yes };

enum class BackupState { good, no_manifest, bad_manifest, size_mismatch, checksum_mismatch, failed_check };

std::string_view to_string(BackupState state);

struct BackupEntry {
  std::filesystem::path path;
  Tier tier = Tier::daily;
  std::uintmax_t size_bytes = 0;
  std::optional<Manifest> manifest;
  BackupState state = BackupState::no_manifest;
  std::string problem;                 // why it is not good
  SystemTime taken_at;
  std::string taken_at_from;           // "manifest", "name" or "mtime"
  bool good() const { return state == BackupState::good; }
  std::int64_t sequence() const { return manifest ? manifest->sequence : 0; }
};

struct Catalog {
  std::filesystem::path dir;
  std::vector<BackupEntry> entries;                  // newest first
  std::optional<std::filesystem::path> latest;       // where the `latest` pointer leads
  std::vector<std::filesystem::path> orphan_manifests;
  // Files being written (the naming rule of core/util/files.hpp) in BACKUP_DIR and its tiers:
  // a live writer's, or left by a killed backup, prune or verify (writer_alive false).
  std::vector<TempFile> temp_files;
  std::uintmax_t leftover_bytes() const;             // held by orphan manifests and dead writers' temp files
};

// True when `a` is newer than `b`: by manifest sequence (immune to a wrong clock), then by time;
// of one backup and its tier copies, the daily file comes first.
bool newer(const BackupEntry& a, const BackupEntry& b);

// The folders of BACKUP_DIR that backups and their temp files live in: the folder itself (the
// `latest` link) and one per tier.
std::vector<std::filesystem::path> catalog_folders(const std::filesystem::path& backup_dir);

// Removes what killed runs left in `backup_dir`: temp files of writers that are gone and
// manifests without a backup. Call with the BackupLock held. Returns the bytes freed.
std::uintmax_t reclaim_leftovers(const std::filesystem::path& backup_dir);

// Reads `backup_dir` (a missing folder is an empty catalog).
Catalog scan_catalog(const std::filesystem::path& backup_dir);

// The newest good backup, of one tier or of any.
std::optional<BackupEntry> newest_good(const Catalog& catalog, std::optional<Tier> tier = std::nullopt);

// The sequence number the next backup gets.
std::int64_t next_sequence(const Catalog& catalog);

// BACKUP_DIR/latest: a relative symlink to the newest good backup, for people and scripts.
std::filesystem::path latest_pointer(const std::filesystem::path& backup_dir);

// BACKUP_DIR/db_latest.sqlite: a relative symlink to the newest good uncompressed SQLite backup,
// the file the manual's weekly integrity line opens.
std::filesystem::path db_latest_link(const std::filesystem::path& backup_dir);
// Points db_latest.sqlite alone at `backup` (prune, when the backup it led to is deleted).
void update_db_latest(const std::filesystem::path& backup_dir, const std::filesystem::path& backup);

// Points BACKUP_DIR/latest at `backup` (atomically: a new link renamed over the old one), and
// BACKUP_DIR/db_latest.sqlite too when `backup` is an uncompressed SQLite file.
void update_latest_pointer(const std::filesystem::path& backup_dir, const std::filesystem::path& backup);

// An exclusive lock on the backup folder (flock on BACKUP_DIR/.lock), held by create and prune so
// that two cron jobs never write or delete at the same time.
class BackupLock {
public:
  // Takes the lock or throws core::Error(conflict) naming the folder.
  explicit BackupLock(const std::filesystem::path& backup_dir);
  ~BackupLock();
  BackupLock(const BackupLock&) = delete;
  BackupLock& operator=(const BackupLock&) = delete;

private:
  int m_fd = -1;
};

}  // namespace bscbot::core::backup
