// bscbot restore FILE|--latest: the manual's scripts/restore-database.sh without its `cp` over a
// live file. Verify first; stop the daemon the way `bscbot daemon stop` does; keep a pre-restore
// copy; swap atomically; check; start again; roll back on any failure and say where things are.
#include <filesystem>
#include <memory>

#include "cmd/commands.hpp"
#include "cmd/progress.hpp"
#include "core/backup/daemon_handle.hpp"
#include "core/backup/pg_backup.hpp"
#include "core/backup/restore.hpp"
#include "core/db/store.hpp"
#include "core/error.hpp"
#include "core/util/clock.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace bscbot::cmd {

namespace {

namespace bk = core::backup;

struct RestoreFlags {
  std::string file;
  bool latest = false;
  bool yes = false;
  bool dry_run = false;
};

constexpr std::chrono::seconds k_stop_timeout{30};
constexpr std::chrono::seconds k_start_timeout{15};

json skipped_json(const std::vector<bk::SkippedBackup>& skipped) {
  json j = json::array();
  for (const auto& s : skipped) j.push_back({{"path", s.path.string()}, {"problem", s.problem}});
  return j;
}

// What the operator is asked before anything happens (from the manifest, without reading the
// whole backup twice).
std::string question(const fs::path& backup, const std::string& database, const std::optional<pid_t>& pid, std::string_view kept) {
  std::string facts;
  try {
    if (const auto m = bk::read_manifest(backup)) {
      facts = fmt::format(" (taken {}, {} trades, newest {})", m->created_at, m->tables.count("trades") ? m->tables.at("trades") : 0,
                          m->newest_trade.value_or("none"));
    }
  } catch (const core::Error&) {
  }
  return fmt::format("Replace {} with {}{}?{} The current database is kept {}.", database, backup.string(), facts,
                     pid ? fmt::format(" bscbotd (pid {}) will be stopped and started again.", *pid) : "", kept);
}

std::vector<fs::path> candidates(const core::config::Config& cfg, const RestoreFlags& flags, bk::BackupFormat format) {
  return bk::restore_candidates(cfg.path("BACKUP_DIR"), flags.file, flags.latest, format);
}

json steps_json(const std::vector<bk::StepRecord>& steps) {
  json j = json::array();
  for (const auto& s : steps) j.push_back({{"step", std::string(bk::to_string(s.step))}, {"detail", s.detail}, {"ms", s.took.count()}});
  return j;
}

json recovery_json(const std::optional<bk::Recovery>& r) {
  if (!r) return nullptr;
  return {{"backup", r->journal.backup.string()}, {"pid", r->journal.pid}, {"started_at", r->journal.started_at},
          {"step", std::string(bk::to_string(r->journal.step))}, {"finished", r->finished}, {"summary", r->summary},
          {"daemon_pid", r->daemon_pid ? json(*r->daemon_pid) : json(nullptr)}};
}

json result_json(const bk::RestoreResult& r) {
  return {{"restored", true}, {"backup", r.backup.string()}, {"skipped", skipped_json(r.skipped)}, {"database", r.database.string()},
          {"pre_restore_copy", r.pre_restore_copy ? json(r.pre_restore_copy->string()) : json(nullptr)},
          {"migrations", r.migrations}, {"schema_version", r.schema_version}, {"trades", r.trades},
          {"newest_trade", r.newest_trade ? json(*r.newest_trade) : json(nullptr)},
          {"daemon", {{"was_running", r.daemon_was_running}, {"pid", r.daemon_pid ? json(*r.daemon_pid) : json(nullptr)}}},
          {"steps", steps_json(r.steps)}, {"recovered", recovery_json(r.recovered)}};
}

void print_result(Output& out, const bk::RestoreResult& r, std::string_view kept_as) {
  if (r.recovered) out.line(r.recovered->summary);
  for (const auto& s : r.skipped) out.line(fmt::format("skipped {}: {}", s.path.string(), s.problem));
  out.line(fmt::format("restored {} into {}: {} trades, newest {}, schema {}", r.backup.string(), r.database.string(), r.trades,
                       r.newest_trade.value_or("none"), r.schema_version));
  if (r.pre_restore_copy) out.line(fmt::format("the database as it was is kept {} {}", kept_as, r.pre_restore_copy->string()));
  out.line(r.daemon_pid ? fmt::format("bscbotd restarted (pid {})", *r.daemon_pid) : std::string("bscbotd was not running and was left stopped"));
}

void print_plan(Output& out, const bk::RestorePlan& plan) {
  out.document({{"dry_run", true}, {"backup", plan.backup.string()}, {"skipped", skipped_json(plan.skipped)},
                {"database", plan.database.string()}, {"database_exists", plan.database_exists},
                {"daemon_pid", plan.daemon_pid ? json(*plan.daemon_pid) : json(nullptr)},
                {"pre_restore_copy", plan.database_exists ? json(plan.pre_restore_copy.string()) : json(nullptr)}, {"steps", plan.steps},
                {"interrupted", plan.interrupted ? json(plan.interrupted->backup.string()) : json(nullptr)}});
  for (const auto& s : plan.skipped) out.line(fmt::format("skip {}: {}", s.path.string(), s.problem));
  out.line(fmt::format("restore would (nothing is changed with --dry-run):"));
  for (std::size_t i = 0; i < plan.steps.size(); ++i) out.line(fmt::format("  {}. {}", i + 1, plan.steps[i]));
}

bool confirmed(Output& out, const RestoreFlags& flags, const std::string& database, const std::string& question_text) {
  if (flags.yes) return true;
  if (!out.interactive()) {
    throw core::Error(core::ErrorKind::usage, fmt::format("restore replaces the live database {}; confirm on a terminal or pass --yes", database));
  }
  if (out.confirm(question_text)) return true;
  out.line("restore cancelled; nothing was changed");
  return false;
}

// PostgreSQL: the archive is loaded into a new database, which is renamed over the live one.
int run_restore_pg(Context& ctx, const RestoreFlags& flags) {
  const auto& cfg = ctx.config();
  auto& out = ctx.out();
  bk::PgRestoreOptions o;
  o.database = core::db::pg_target(cfg);
  o.candidates = candidates(cfg, flags, bk::BackupFormat::pg_dump);
  ProgressBar bar(out);
  o.progress = [&bar](std::uintmax_t done, std::uintmax_t total) { bar.update({"verify", done, total}); };
  bk::ProcessDaemon daemon(ctx.daemon(), k_stop_timeout, k_start_timeout);
  if (flags.dry_run) {
    const bk::RestorePlan plan = bk::plan_pg_restore(o, daemon, ctx.clock());
    bar.finish();
    print_plan(out, plan);
    return 0;
  }
  const std::string database = o.database.describe();
  if (!confirmed(out, flags, database, question(o.candidates.front(), database, daemon.running(), "renamed and kept"))) return 1;
  o.on_step = [&](bk::RestoreStep step, const std::string& detail) {
    bar.finish();
    out.note(fmt::format("{:<17} {}", std::string(bk::to_string(step)) + ":", detail));
  };
  const bk::RestoreResult r = bk::restore_pg_backup(o, daemon, ctx.clock());
  out.document(result_json(r));
  print_result(out, r, "as database");
  return 0;
}

// `bscbot restore` alone: deal with an interrupted restore and nothing else.
int run_recovery(Context& ctx, bk::DaemonHandle& daemon) {
  const auto& cfg = ctx.config();
  const auto r = bk::recover_restore(cfg.db_path(), &daemon, static_cast<int>(cfg.integer("DB_BUSY_TIMEOUT_MS")));
  if (!r) throw core::Error(core::ErrorKind::usage, "give either a backup FILE or --latest (no interrupted restore to finish here)");
  ctx.out().document({{"recovered", recovery_json(r)}});
  ctx.out().line(r->summary);
  return 0;
}

int run_restore(Context& ctx, const RestoreFlags& flags) {
  if (flags.latest && !flags.file.empty()) {
    throw core::Error(core::ErrorKind::usage, "give either a backup FILE or --latest, not both");
  }
  const auto& cfg = ctx.config();
  if (core::db::configured_backend(cfg) == core::db::Backend::pg) {
    // The restore journal is the SQLite file's; a PostgreSQL restore undoes its own renames.
    if (!flags.latest && flags.file.empty()) throw core::Error(core::ErrorKind::usage, "give either a backup FILE or --latest");
    return run_restore_pg(ctx, flags);
  }
  if (!flags.latest && flags.file.empty()) {
    if (flags.dry_run) throw core::Error(core::ErrorKind::usage, "give either a backup FILE or --latest");
    bk::ProcessDaemon daemon(ctx.daemon(), k_stop_timeout, k_start_timeout);
    return run_recovery(ctx, daemon);
  }
  auto& out = ctx.out();
  bk::RestoreOptions o;
  o.database = cfg.db_path();
  o.busy_timeout_ms = static_cast<int>(cfg.integer("DB_BUSY_TIMEOUT_MS"));
  o.step_pages = static_cast<int>(cfg.integer("BACKUP_STEP_PAGES"));
  o.candidates = candidates(cfg, flags, bk::BackupFormat::sqlite);
  if (o.candidates.empty()) {
    throw core::Error(core::ErrorKind::not_found,
                      fmt::format("there is no good backup in {}; see `bscbot backup list`", cfg.path("BACKUP_DIR").string()));
  }
  ProgressBar bar(out);
  o.progress = [&bar](std::uintmax_t done, std::uintmax_t total) { bar.update({"verify", done, total}); };
  bk::ProcessDaemon daemon(ctx.daemon(), k_stop_timeout, k_start_timeout);

  if (flags.dry_run) {
    const bk::RestorePlan plan = bk::plan_restore(o, daemon, ctx.clock());
    bar.finish();
    print_plan(out, plan);
    return 0;
  }
  if (!confirmed(out, flags, o.database.string(), question(o.candidates.front(), o.database.string(), daemon.running(), "as a pre-restore copy"))) {
    return 1;
  }

  o.on_step = [&](bk::RestoreStep step, const std::string& detail) {
    bar.finish();
    out.note(fmt::format("{:<17} {}", std::string(bk::to_string(step)) + ":", detail));
  };
  const bk::RestoreResult r = bk::restore_backup(o, daemon, ctx.clock());
  out.document(result_json(r));
  print_result(out, r, "in");
  return 0;
}

}  // namespace

void setup_restore(CLI::App& command, Context& ctx) {
  auto flags = std::make_shared<RestoreFlags>();
  command.add_option("FILE", flags->file, "Backup to restore (.sqlite, .sqlite.gz or .sqlite.zst; .pgdump with DB_CLIENT=pg)");
  command.add_flag("--latest", flags->latest, "Restore the newest backup of BACKUP_DIR that passes verification");
  command.add_flag("-y,--yes", flags->yes, "Do not ask for confirmation (for scripts)");
  command.add_flag("--dry-run", flags->dry_run, "Verify the backup and show the plan; change nothing");
  command.footer(
      "Restore verifies the backup before touching anything and refuses a corrupt, truncated, foreign or newer-schema file. "
      "It then stops bscbotd if it runs, keeps the current database as DATA_DIR/<name>_pre-restore_<time>.sqlite, swaps the "
      "backup in atomically in WAL mode (migrated if older), checks it and starts bscbotd again. If a step after the stop fails, "
      "the pre-restore copy is put back, bscbotd is restarted, and the error says so. Each step is recorded in "
      "DATA_DIR/<name>.sqlite.restore-journal: after a crash, `bscbot restore` (with no FILE), `bscbot daemon start` or bscbotd "
      "itself finishes the restore if the backup was already swapped in, or rolls it back, and starts bscbotd again if it ran. "
      "With DB_CLIENT=pg the pg_dump archive is "
      "loaded into a new database <name>_restoring_<time> and migrated first; the live database is renamed to "
      "<name>_pre_restore_<time> (kept) and the loaded one renamed in (the role needs CREATEDB and to own the database).");
  command.callback([&ctx, flags] { ctx.run = [&ctx, flags] { return run_restore(ctx, *flags); }; });
}

}  // namespace bscbot::cmd
