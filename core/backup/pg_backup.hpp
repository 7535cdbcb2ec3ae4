#pragma once
// Backups of a PostgreSQL database, the manual's `pg_dump … | gzip` made verifiable: pg_dump -Fc
// from one exported snapshot, hashed as it streams into the same daily/weekly/monthly rotation,
// manifests and `latest` pointer as SQLite backups (publish.hpp); verified by its checksum, its
// table of contents and, given a server, a restore into a scratch database whose rows are counted
// against the manifest; restored into a new database that is renamed over the live one only once
// it is loaded, migrated and counted, the old one kept under a pre-restore name.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/backup/create.hpp"
#include "core/backup/daemon_handle.hpp"
#include "core/backup/restore.hpp"
#include "core/backup/verify.hpp"
#include "core/db/pg_tools.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::backup {

struct PgCreateOptions {
  db::PgTarget database;
  std::filesystem::path backup_dir;
  BackupProgressFn progress;  // phase "dump", bytes written so far
  std::function<std::uintmax_t(const std::filesystem::path&)> available_bytes;
};

// The free space a pg_dump backup of a database of `database_bytes` (pg_database_size) is
// expected to need: -Fc compresses rows and leaves indexes out, so a quarter, plus a margin.
std::uintmax_t pg_space_needed(std::uintmax_t database_bytes);

// Takes one pg_dump backup at `clock`'s now; the same errors and guarantees as create_backup().
CreateResult create_pg_backup(const PgCreateOptions& options, const Clock& clock);

// Verifies a .pgdump backup: manifest, checksum, archive contents, and (with options.pg_server)
// a restore into a scratch database, dropped afterwards, whose rows must match the manifest.
VerifyReport verify_pg_backup(const std::filesystem::path& file, const VerifyOptions& options);

// Loads `file` (verify it first) into a new database `name` on `server`'s server and migrates it;
// returns the migrations applied. The drill's restore. A failure drops the database again.
std::vector<std::string> load_pg_backup(const std::filesystem::path& file, const db::PgTarget& server, const std::string& name);

struct PgRestoreOptions {
  std::vector<std::filesystem::path> candidates;  // best first, as for SQLite
  db::PgTarget database;                          // the live database
  std::function<void(RestoreStep, const std::string& detail)> on_step;
  ByteProgress progress;
};

// The name the live database `live` is kept under after a restore at `now`, and the name a
// restore loads into first: `live`_pre_restore_YYYYmmdd_HHMMSS / `live`_restoring_..., cut to
// PostgreSQL's 63 bytes.
std::string pg_pre_restore_name(const std::string& live, SystemTime now);
std::string pg_restoring_name(const std::string& live, SystemTime now);

RestorePlan plan_pg_restore(const PgRestoreOptions& options, DaemonHandle& daemon, const Clock& clock);

// Restores: verify, load into `live`_restoring_… (migrated, counted), stop bscbotd, rename the
// live database aside and the loaded one in, check, start bscbotd. A failure before the stop
// drops the loaded copy and changes nothing; after it, the renames are undone and bscbotd is
// started again; the error says which.
RestoreResult restore_pg_backup(const PgRestoreOptions& options, DaemonHandle& daemon, const Clock& clock);

}  // namespace bscbot::core::backup
