// bscbot db: the manual's database section. Replaces `npx knex migrate:latest`, `du -h`,
// `sqlite3 ... "DELETE FROM trades WHERE created_at < datetime('now', '-90 days')"`, VACUUM
// and ANALYZE, with counts and a dry run.
#include <filesystem>

#include "cmd/commands.hpp"
#include "core/db/database.hpp"
#include "core/db/maintenance.hpp"
#include "core/db/migrations.hpp"
#include "core/db/trade_repository.hpp"
#include "core/util/clock.hpp"

namespace bscbot::cmd {

namespace {

using core::db::Access;

std::unique_ptr<SQLite::Database> open(Context& ctx, Access access) {
  const auto& cfg = ctx.config();
  return core::db::open_database(cfg.db_path(), access, static_cast<int>(cfg.integer("DB_BUSY_TIMEOUT_MS")));
}

int run_migrate(Context& ctx, bool dry_run) {
  const auto path = ctx.config().db_path().string();
  auto db = open(ctx, dry_run ? Access::read_only : Access::create);
  auto& out = ctx.out();
  if (dry_run) {
    const auto status = core::db::schema_status(*db);
    core::db::require_known_schema(status, path);
    out.document({{"dry_run", true}, {"current", status.current}, {"pending", status.pending}});
    if (status.pending.empty()) out.line(fmt::format("{} is up to date (schema {})", path, status.current));
    for (const auto& name : status.pending) out.line("would apply " + name);
    return 0;
  }
  const auto applied = core::db::migrate(*db, path);
  out.document({{"applied", applied}, {"schema_version", core::db::latest_schema_version()}});
  for (const auto& name : applied) out.line("applied " + name);
  out.line(fmt::format("{} is at schema {}", path, core::db::latest_schema_version()));
  return 0;
}

int run_status(Context& ctx) {
  const auto path = ctx.config().db_path().string();
  auto db = open(ctx, Access::read_only);
  const auto status = core::db::schema_status(*db);
  auto& out = ctx.out();
  out.document({{"path", path}, {"current", status.current}, {"latest", status.latest}, {"applied", status.applied},
                {"pending", status.pending}, {"unknown", status.unknown}});
  out.line(fmt::format("{}: schema {} of {}", path, status.current, status.latest));
  for (const auto& n : status.applied) out.line("  applied  " + n);
  for (const auto& n : status.pending) out.line("  pending  " + n);
  for (const auto& n : status.unknown) out.line("  UNKNOWN  " + n + " (newer bscbot or another tool)");
  return status.newer() ? 1 : 0;
}

int run_stats(Context& ctx) {
  const auto path = ctx.config().db_path();
  auto db = open(ctx, Access::read_only);
  const auto s = core::db::collect_stats(*db, path);
  nlohmann::json tables = nlohmann::json::object();
  for (const auto& t : s.tables) tables[t.name] = t.rows;
  auto& out = ctx.out();
  out.document({{"path", s.path}, {"file_bytes", s.file_bytes}, {"wal_bytes", s.wal_bytes}, {"page_size", s.page_size},
                {"page_count", s.page_count}, {"freelist_pages", s.freelist_pages}, {"journal_mode", s.journal_mode},
                {"schema_version", s.schema_version}, {"tables", tables},
                {"oldest_trade", s.oldest_trade ? nlohmann::json(*s.oldest_trade) : nlohmann::json(nullptr)},
                {"newest_trade", s.newest_trade ? nlohmann::json(*s.newest_trade) : nlohmann::json(nullptr)}});
  out.line(fmt::format("{}  {} (+{} WAL), {} pages of {} B, {} free, journal {}, schema {}", s.path, human_bytes(static_cast<double>(s.file_bytes)),
                       human_bytes(static_cast<double>(s.wal_bytes)), s.page_count, s.page_size, s.freelist_pages, s.journal_mode, s.schema_version));
  Table t({"TABLE", "ROWS"});
  for (const auto& tc : s.tables) t.row({tc.name, std::to_string(tc.rows)});
  out.line(t.render());
  out.line(fmt::format("trades from {} to {}", s.oldest_trade.value_or("-"), s.newest_trade.value_or("-")));
  return 0;
}

int run_cleanup(Context& ctx, const std::string& older_than, bool dry_run) {
  const auto& cfg = ctx.config();
  const auto age = older_than.empty() ? std::chrono::seconds(cfg.integer("RETENTION_DAYS") * 86400) : core::parse_duration(older_than);
  const std::string cutoff = core::to_sql_datetime(ctx.clock().now() - age);
  auto db = open(ctx, Access::read_write);
  core::db::TradeRepository repo(*db);
  const auto r = repo.delete_older_than(cutoff, dry_run ? core::db::DryRun::yes : core::db::DryRun::no);
  auto& out = ctx.out();
  out.document({{"dry_run", dry_run}, {"cutoff", r.cutoff}, {"deleted", r.deleted}, {"kept_pending", r.kept_pending}});
  out.line(fmt::format("{} {} trade(s) created before {} UTC", dry_run ? "would delete" : "deleted", r.deleted, r.cutoff));
  if (r.kept_pending > 0) {
    out.line(fmt::format("kept {} pending trade(s) older than the cutoff: they still await reconciliation", r.kept_pending));
  }
  return 0;
}

int run_vacuum(Context& ctx) {
  const auto path = ctx.config().db_path();
  auto db = open(ctx, Access::read_write);
  const auto reclaimed = core::db::vacuum(*db, path);
  ctx.out().document({{"reclaimed_bytes", reclaimed}});
  ctx.out().line(fmt::format("VACUUM done, {} reclaimed", human_bytes(static_cast<double>(std::max<std::int64_t>(reclaimed, 0)))));
  return 0;
}

int run_analyze(Context& ctx) {
  auto db = open(ctx, Access::read_write);
  core::db::analyze(*db);
  ctx.out().document({{"analyzed", true}});
  ctx.out().line("ANALYZE done");
  return 0;
}

int run_check(Context& ctx, bool full) {
  auto db = open(ctx, Access::read_only);
  const std::string result = core::db::check_integrity(*db, full);
  const bool ok = result == "ok";
  ctx.out().document({{"ok", ok}, {"check", full ? "integrity_check" : "quick_check"}, {"result", result}});
  ctx.out().line(fmt::format("{}: {}", full ? "integrity_check" : "quick_check", result));
  return ok ? 0 : 1;
}

}  // namespace

void setup_db(CLI::App& command, Context& ctx) {
  command.require_subcommand(1);
  auto dry_run = std::make_shared<bool>(false);
  auto older_than = std::make_shared<std::string>();
  auto full = std::make_shared<bool>(false);

  auto* migrate = command.add_subcommand("migrate", "Apply pending schema migrations (creates the database if missing)");
  migrate->add_flag("--dry-run", *dry_run, "Only list the migrations that would run");
  migrate->callback([&ctx, dry_run] { ctx.run = [&ctx, dry_run] { return run_migrate(ctx, *dry_run); }; });

  command.add_subcommand("status", "Applied and pending migrations")->callback([&ctx] { ctx.run = [&ctx] { return run_status(ctx); }; });
  command.add_subcommand("stats", "Size, pages, row counts and trade time span")->callback([&ctx] { ctx.run = [&ctx] { return run_stats(ctx); }; });

  auto* cleanup = command.add_subcommand("cleanup", "Delete finalised trades older than an age (default RETENTION_DAYS)");
  cleanup->add_option("--older-than", *older_than, "Age such as 90d, 12w or 36h");
  cleanup->add_flag("--dry-run", *dry_run, "Only count what would be deleted");
  cleanup->callback([&ctx, older_than, dry_run] { ctx.run = [&ctx, older_than, dry_run] { return run_cleanup(ctx, *older_than, *dry_run); }; });

  command.add_subcommand("vacuum", "Rebuild the file and return free pages to the disk")->callback([&ctx] { ctx.run = [&ctx] { return run_vacuum(ctx); }; });
  command.add_subcommand("analyze", "Refresh the query planner statistics")->callback([&ctx] { ctx.run = [&ctx] { return run_analyze(ctx); }; });

  auto* check = command.add_subcommand("check", "PRAGMA quick_check (or integrity_check with --full)");
  check->add_flag("--full", *full, "Run the full integrity_check");
  check->callback([&ctx, full] { ctx.run = [&ctx, full] { return run_check(ctx, *full); }; });
}

}  // namespace bscbot::cmd
