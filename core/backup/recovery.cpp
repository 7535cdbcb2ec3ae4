#include "core/backup/recovery.hpp"

#include <fmt/format.h>

#include "core/backup/pg_backup.hpp"
#include "core/db/pg_tools.hpp"
#include "core/db/store.hpp"

namespace bscbot::core::backup {

BackupFormat backup_format_for(const config::Config& cfg) {
  return db::configured_backend(cfg) == db::Backend::pg ? BackupFormat::pg_dump : BackupFormat::sqlite;
}

ConfigStep restore_config_step(const ConfigRestorePlan& plan, bool include_system, SystemTime now, std::string_view skipped_note) {
  ConfigStep step;
  step.result = restore_config(plan, include_system, now);
  const ConfigRestoreResult& r = step.result;
  step.detail = fmt::format("{} file(s) written from {}{}{}", r.written.size(), plan.archive.string(),
                            r.kept.empty() ? "" : fmt::format(", {} kept as *.before-restore-*", r.kept.size()),
                            r.skipped.empty() ? "" : fmt::format(", {} outside the deployment {}", r.skipped.size(), skipped_note));
  return step;
}

RestoreResult restore_database(const config::Config& cfg, const std::vector<std::filesystem::path>& candidates, DaemonHandle& daemon,
                               const Clock& clock, ByteProgress progress) {
  if (backup_format_for(cfg) == BackupFormat::pg_dump) {
    PgRestoreOptions o;
    o.database = db::pg_target(cfg);
    o.candidates = candidates;
    o.progress = std::move(progress);
    return restore_pg_backup(o, daemon, clock);
  }
  RestoreOptions o;
  o.database = cfg.db_path();
  o.busy_timeout_ms = static_cast<int>(cfg.integer("DB_BUSY_TIMEOUT_MS"));
  o.step_pages = static_cast<int>(cfg.integer("BACKUP_STEP_PAGES"));
  o.candidates = candidates;
  o.progress = std::move(progress);
  return restore_backup(o, daemon, clock);
}

std::string database_step_detail(const RestoreResult& r) {
  return fmt::format("{} restored into {}: {} trades, newest {}, schema {}{}", r.backup.string(), r.database.string(), r.trades,
                     r.newest_trade.value_or("none"), r.schema_version,
                     r.migrations.empty() ? "" : fmt::format(", {} migration(s) applied", r.migrations.size()));
}

}  // namespace bscbot::core::backup
