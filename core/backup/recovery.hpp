#pragma once
// The steps of the manual's disaster recovery that `bscbot recover` runs on the deployment and
// `bscbot drill --full` rehearses in a scratch one: put the config archive back, then restore the
// database of the configured backend through the verified restore. One function per step, so the
// rehearsal restores exactly as the real recovery does.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/backup/compression.hpp"
#include "core/backup/config_restore.hpp"
#include "core/backup/daemon_handle.hpp"
#include "core/backup/manifest.hpp"
#include "core/backup/restore.hpp"
#include "core/config/config.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::backup {

// The format of the backups of `cfg`'s backend: pg_dump archives on PostgreSQL, SQLite files otherwise.
BackupFormat backup_format_for(const config::Config& cfg);

struct ConfigStep {
  ConfigRestoreResult result;
  std::string detail;  // the one line the recovery reports
};

// Writes `plan` (files outside the deployment only with `include_system`; `skipped_note` says in
// the detail why the others were left, e.g. "skipped (--system)").
ConfigStep restore_config_step(const ConfigRestorePlan& plan, bool include_system, SystemTime now, std::string_view skipped_note);

// Restores the first of `candidates` that verifies into `cfg`'s database (DB_PATH, or
// DATABASE_URL on PostgreSQL), migrating it, with `daemon` stopped and started around the swap.
RestoreResult restore_database(const config::Config& cfg, const std::vector<std::filesystem::path>& candidates, DaemonHandle& daemon,
                               const Clock& clock, ByteProgress progress = {});

// The database step's line: what was restored where, its trades, newest trade, schema, migrations.
std::string database_step_detail(const RestoreResult& restored);

}  // namespace bscbot::core::backup
