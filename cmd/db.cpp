// bscbot db: the manual's database section. Replaces `npx knex migrate:latest`, `du -h`,
// `sqlite3 ... "DELETE FROM trades WHERE created_at < datetime('now', '-90 days')"`, VACUUM
// and ANALYZE, with counts and a dry run.
#include <cmath>
#include <filesystem>

#include "cmd/commands.hpp"
#include "cmd/progress.hpp"
#include "core/checks/disk.hpp"
#include "core/db/copy.hpp"
#include "core/db/store.hpp"
#include "core/error.hpp"
#include "core/reports/growth.hpp"
#include "core/util/clock.hpp"

namespace bscbot::cmd {

namespace {

using core::db::Access;

std::unique_ptr<core::db::Store> open(Context& ctx, Access access) { return core::db::open_store(ctx.config(), access); }

nlohmann::json optional_time(const std::optional<core::SystemTime>& t) { return t ? nlohmann::json(core::to_sql_datetime(*t)) : nlohmann::json(nullptr); }

int run_migrate(Context& ctx, bool dry_run) {
  const auto& cfg = ctx.config();
  auto& out = ctx.out();
  if (!dry_run && core::db::configured_backend(cfg) == core::db::Backend::sqlite && !std::filesystem::exists(cfg.db_path())) {
    // A new file appears whole or not at all (a killed run leaves nothing half-migrated).
    const auto applied = core::db::create_sqlite_database(cfg);
    out.document({{"applied", applied}, {"schema_version", core::db::latest_schema_version()}, {"created", true}});
    for (const auto& name : applied) out.line("applied " + name);
    out.line(fmt::format("{} created at schema {}", cfg.db_path().string(), core::db::latest_schema_version()));
    return 0;
  }
  auto store = open(ctx, dry_run ? Access::read_only : Access::read_write);
  const std::string& where = store->location();
  if (dry_run) {
    const auto status = store->schema_status();
    core::db::require_known_schema(status, where);
    out.document({{"dry_run", true}, {"current", status.current}, {"pending", status.pending}});
    if (status.pending.empty()) out.line(fmt::format("{} is up to date (schema {})", where, status.current));
    for (const auto& name : status.pending) out.line("would apply " + name);
    return 0;
  }
  const auto applied = store->migrate();
  out.document({{"applied", applied}, {"schema_version", core::db::latest_schema_version()}});
  for (const auto& name : applied) out.line("applied " + name);
  out.line(fmt::format("{} is at schema {}", where, core::db::latest_schema_version()));
  return 0;
}

int run_status(Context& ctx) {
  auto store = open(ctx, Access::read_only);
  const auto status = store->schema_status();
  auto& out = ctx.out();
  out.document({{"path", store->location()}, {"backend", core::db::to_string(store->backend())}, {"current", status.current},
                {"latest", status.latest}, {"applied", status.applied}, {"pending", status.pending}, {"unknown", status.unknown}});
  out.line(fmt::format("{}: schema {} of {}", store->location(), status.current, status.latest));
  for (const auto& n : status.applied) out.line("  applied  " + n);
  for (const auto& n : status.pending) out.line("  pending  " + n);
  for (const auto& n : status.unknown) out.line("  UNKNOWN  " + n + " (newer bscbot or another tool)");
  return status.newer() ? 1 : 0;
}

// The manual's monthly growth loop: the size bscbotd sampled each day, and when the disk fills.
int run_trend(Context& ctx, int days) {
  auto store = open(ctx, Access::read_only);
  auto& out = ctx.out();
  if (!store->samples().available()) {
    throw core::Error(core::ErrorKind::not_found, "this database has no metric_samples table yet; run `bscbot db migrate`, then let bscbotd sample it");
  }
  const core::reports::GrowthTrend trend = core::reports::size_trend(store->samples(), ctx.clock().now(), days);
  // Only a file's folder is ours to measure; a server's disk is not visible from here.
  const auto folder = store->local_folder();
  const auto usage = folder ? core::checks::statvfs_usage(*folder) : std::nullopt;
  const std::optional<std::uintmax_t> free = usage ? std::optional(usage->available_bytes) : std::nullopt;
  const auto full_in = core::reports::days_to_full(trend, free);
  auto signed_bytes = [](double b) { return (b < 0 ? "-" : "+") + human_bytes(std::abs(b)); };
  auto opt = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  nlohmann::json rows = nlohmann::json::array();
  Table t({"DAY", "SIZE", "BYTES", "CHANGE"});
  for (const auto& d : trend.days) {
    rows.push_back({{"day", d.day}, {"bytes", d.bytes}, {"change_bytes", opt(d.change)}});
    t.row({d.day, human_bytes(d.bytes), fmt::format("{:.0f}", d.bytes), d.change ? signed_bytes(*d.change) : std::string("-")});
  }
  out.document({{"path", store->location()}, {"days", days}, {"trend", rows}, {"per_day_bytes", opt(trend.per_day)},
                {"free_bytes", opt(free)}, {"days_to_full", opt(full_in)}});
  if (trend.days.empty()) {
    out.line(fmt::format("{}: no size samples in the last {} days (bscbotd records one every METRIC_SAMPLE_INTERVAL_S while it runs)",
                         store->location(), days));
    return 0;
  }
  out.line(t.render());
  if (!trend.per_day) {
    out.line(fmt::format("{}: one day of samples so far; the growth shows from the second", store->location()));
    return 0;
  }
  out.line(fmt::format("{}: {} per day on average over {} day(s) with samples", store->location(), signed_bytes(*trend.per_day),
                       trend.days.size()));
  if (full_in) {
    out.line(fmt::format("{} free on the filesystem of {}: full in {:.0f} days at this rate", human_bytes(static_cast<double>(*free)),
                         folder->string(), *full_in));
  } else if (*trend.per_day > 0) {
    out.line(folder ? fmt::format("days to full not known: cannot stat the filesystem of {}", folder->string())
                    : std::string("days to full not known: the database server's free space is not visible from here"));
  }
  return 0;
}

int run_stats(Context& ctx, bool trend, int days) {
  if (trend) return run_trend(ctx, days);
  auto store = open(ctx, Access::read_only);
  const auto s = store->stats();
  nlohmann::json tables = nlohmann::json::object();
  for (const auto& t : s.tables) tables[t.name] = t.rows;
  auto opt = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  auto& out = ctx.out();
  const std::uintmax_t file_bytes = s.size_bytes - s.wal_bytes.value_or(0);
  out.document({{"backend", s.backend}, {"path", s.location}, {"size_bytes", s.size_bytes}, {"file_bytes", file_bytes},
                {"wal_bytes", opt(s.wal_bytes)}, {"page_size", opt(s.page_size)}, {"page_count", opt(s.page_count)},
                {"freelist_pages", opt(s.freelist_pages)}, {"journal_mode", opt(s.journal_mode)}, {"server_version", opt(s.server_version)},
                {"schema_version", s.schema_version}, {"tables", tables}, {"oldest_trade", optional_time(s.oldest_trade)},
                {"newest_trade", optional_time(s.newest_trade)}});
  if (s.journal_mode) {
    out.line(fmt::format("{}  {} (+{} WAL), {} pages of {} B, {} free, journal {}, schema {}", s.location, human_bytes(static_cast<double>(file_bytes)),
                         human_bytes(static_cast<double>(s.wal_bytes.value_or(0))), s.page_count.value_or(0), s.page_size.value_or(0),
                         s.freelist_pages.value_or(0), *s.journal_mode, s.schema_version));
  } else {
    // The manual's `SELECT pg_size_pretty(pg_database_size('bsc_trading_bot'))`.
    out.line(fmt::format("{}  {} (pg_database_size), PostgreSQL {}, schema {}", s.location, human_bytes(static_cast<double>(s.size_bytes)),
                         s.server_version.value_or("?"), s.schema_version));
  }
  Table t({"TABLE", "ROWS"});
  for (const auto& tc : s.tables) t.row({tc.name, std::to_string(tc.rows)});
  out.line(t.render());
  out.line(fmt::format("trades from {} to {}", s.oldest_trade ? core::to_sql_datetime(*s.oldest_trade) : "-",
                       s.newest_trade ? core::to_sql_datetime(*s.newest_trade) : "-"));
  return 0;
}

int run_cleanup(Context& ctx, const std::string& older_than, bool dry_run) {
  const auto& cfg = ctx.config();
  const auto age = older_than.empty() ? std::chrono::seconds(cfg.integer("RETENTION_DAYS") * 86400) : core::parse_duration(older_than);
  auto store = open(ctx, Access::read_write);
  const auto r = store->trades().delete_older_than(ctx.clock().now() - age, dry_run ? core::db::DryRun::yes : core::db::DryRun::no);
  const std::string cutoff = core::to_sql_datetime(r.cutoff);
  auto& out = ctx.out();
  out.document({{"dry_run", dry_run}, {"cutoff", cutoff}, {"deleted", r.deleted}, {"kept_pending", r.kept_pending}});
  out.line(fmt::format("{} {} trade(s) created before {} UTC", dry_run ? "would delete" : "deleted", r.deleted, cutoff));
  if (r.kept_pending > 0) {
    out.line(fmt::format("kept {} pending trade(s) older than the cutoff: they still await reconciliation", r.kept_pending));
  }
  return 0;
}

int run_vacuum(Context& ctx) {
  auto store = open(ctx, Access::read_write);
  const auto reclaimed = store->vacuum();
  ctx.out().document({{"reclaimed_bytes", reclaimed}});
  ctx.out().line(fmt::format("VACUUM done, {} reclaimed", human_bytes(static_cast<double>(std::max<std::int64_t>(reclaimed, 0)))));
  return 0;
}

int run_analyze(Context& ctx) {
  auto store = open(ctx, Access::read_write);
  store->analyze();
  ctx.out().document({{"analyzed", true}});
  ctx.out().line("ANALYZE done");
  return 0;
}

int run_check(Context& ctx, bool full) {
  auto store = open(ctx, Access::read_only);
  const std::string result = store->check_integrity(full ? core::db::CheckDepth::full : core::db::CheckDepth::quick);
  const bool ok = result == "ok";
  const bool sqlite = store->backend() == core::db::Backend::sqlite;
  const std::string check = sqlite ? (full ? "integrity_check" : "quick_check") : (full ? "full_read" : "tables");
  ctx.out().document({{"ok", ok}, {"check", check}, {"result", result}});
  ctx.out().line(fmt::format("{}: {}", check, result));
  return ok ? 0 : 1;
}

// The manual's "migrate to PostgreSQL" (方案D): the data goes across from one snapshot, proved
// table by table, before .env is switched over.
int run_copy(Context& ctx, const std::string& to, bool force, bool live) {
  const auto& cfg = ctx.config();
  auto source = open(ctx, Access::read_only);
  if (!live) {
    if (const auto status = ctx.daemon().status(std::chrono::milliseconds(1000)); status.running()) {
      throw core::Error(core::ErrorKind::conflict,
                        fmt::format("bscbotd (pid {}) is running and would keep writing to {} after the snapshot is taken; stop it first "
                                    "(`bscbot daemon stop`), or add --live to copy the snapshot anyway",
                                    *status.pid, source->location()));
    }
  }
  auto& out = ctx.out();
  ProgressBar bar(out);
  core::db::CopyResult result;
  std::string target;
  core::db::Backend target_backend = core::db::Backend::sqlite;
  const auto created = core::db::write_store_at(cfg, to, [&](core::db::Store& store, const std::string& location) {
    if (location == source->location()) {
      throw core::Error(core::ErrorKind::usage, fmt::format("--to {} is the configured database itself; name another one", location));
    }
    target = location;
    target_backend = store.backend();
    result = core::db::copy_database(*source, store, force ? core::db::Force::yes : core::db::Force::no,
                                     [&bar](const core::db::CopyProgress& p) { bar.update_rows(p.table, p.done, p.total); });
  });
  if (!created.empty()) result.migrations = created;  // they made the new file, before the copy
  bar.finish();
  nlohmann::json tables = nlohmann::json::array();
  Table t({"TABLE", "ROWS", "COPIED", "CHECKSUM", "PROOF"});
  for (const auto& p : result.tables) {
    tables.push_back({{"table", p.table}, {"source_rows", p.source_rows}, {"target_rows", p.target_rows}, {"source_checksum", p.source_checksum},
                      {"target_checksum", p.target_checksum}, {"ok", p.ok()}});
    t.row({p.table, std::to_string(p.source_rows), std::to_string(p.target_rows), p.target_checksum.substr(0, 16),
           p.ok() ? out.paint("equal", Tone::ok) : out.paint("DIFFERENT", Tone::bad)});
  }
  out.document({{"source", source->location()}, {"target", target}, {"migrations", result.migrations}, {"tables", tables},
                {"ok", result.ok()}, {"already_copied", result.already_copied}, {"took_ms", result.took.count()}});
  if (result.already_copied) {
    out.line(fmt::format("{} already holds an identical copy of {} (every table proved equal); nothing written", target, source->location()));
  } else {
    out.line(fmt::format("copied {} to {} in {}", source->location(), target, core::format_duration(result.took)));
  }
  out.line(t.render());
  if (target_backend == core::db::Backend::pg) {
    out.note("Next: point bscbot at it (`bscbot init --database-url URL` adds DB_CLIENT=pg and DATABASE_URL to .env), then "
             "`bscbot daemon start`.");
  } else {
    out.note(fmt::format("Next: set DB_CLIENT=sqlite and DB_PATH={} (or drop DATABASE_URL), then `bscbot daemon start`.", target));
  }
  return 0;
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
  auto* stats = command.add_subcommand("stats", "Size, pages, row counts and trade time span; --trend: the size day by day");
  auto trend = std::make_shared<bool>(false);
  auto days = std::make_shared<int>(30);
  stats->add_flag("--trend", *trend, "The database size bscbotd sampled each UTC day, with the change and the average growth");
  stats->add_option("--days", *days, "Days the trend covers (default 30, the manual's monthly check)")->check(CLI::Range(1, 3660));
  stats->callback([&ctx, trend, days] { ctx.run = [&ctx, trend, days] { return run_stats(ctx, *trend, *days); }; });

  auto* cleanup = command.add_subcommand("cleanup", "Delete finalised trades older than an age (default RETENTION_DAYS)");
  cleanup->add_option("--older-than", *older_than, "Age such as 90d, 12w or 36h");
  cleanup->add_flag("--dry-run", *dry_run, "Only count what would be deleted");
  cleanup->callback([&ctx, older_than, dry_run] { ctx.run = [&ctx, older_than, dry_run] { return run_cleanup(ctx, *older_than, *dry_run); }; });

  command.add_subcommand("vacuum", "Rebuild the file and return free pages to the disk")->callback([&ctx] { ctx.run = [&ctx] { return run_vacuum(ctx); }; });
  command.add_subcommand("analyze", "Refresh the query planner statistics")->callback([&ctx] { ctx.run = [&ctx] { return run_analyze(ctx); }; });

  auto to = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  auto live = std::make_shared<bool>(false);
  auto* copy = command.add_subcommand("copy", "Copy every table into another database (SQLite to PostgreSQL or back), proved by counts and checksums");
  copy->add_option("--to", *to, "Target: a postgresql:// URL or a SQLite file path")->required();
  copy->add_flag("--force", *force, "Replace the rows a non-empty target already holds");
  copy->add_flag("--live", *live, "Copy even while bscbotd runs (its later writes stay behind in the source)");
  copy->callback([&ctx, to, force, live] { ctx.run = [&ctx, to, force, live] { return run_copy(ctx, *to, *force, *live); }; });

  auto* check = command.add_subcommand("check", "PRAGMA quick_check (or integrity_check with --full); on PostgreSQL the tables (a read of every row with --full)");
  check->add_flag("--full", *full, "Run the full integrity_check");
  check->callback([&ctx, full] { ctx.run = [&ctx, full] { return run_check(ctx, *full); }; });
}

}  // namespace bscbot::cmd
