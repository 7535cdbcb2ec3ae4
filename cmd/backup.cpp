// bscbot backup [create|list|verify|prune|config]: the manual's scripts/backup.sh,
// verify-backup.sh and backup-config.sh. A consistent online copy instead of `cp` of a live
// file, a manifest per backup, the manual's daily/weekly/monthly rotation and a verify that
// exits non-zero with the reason.
#include <filesystem>
#include <memory>

#include "cmd/alerting.hpp"
#include "cmd/commands.hpp"
#include "cmd/progress.hpp"
#include "core/backup/catalog.hpp"
#include "core/backup/config_archive.hpp"
#include "core/backup/config_restore.hpp"
#include "core/backup/create.hpp"
#include "core/backup/pg_backup.hpp"
#include "core/backup/prune.hpp"
#include "core/backup/restore.hpp"
#include "core/backup/verify.hpp"
#include "core/db/store.hpp"
#include "core/error.hpp"
#include "core/util/clock.hpp"
#include "core/util/cpu_priority.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace bscbot::cmd {

namespace {

namespace bk = core::backup;

struct CreateFlags {
  std::string compress;
  std::string check;
};

struct ConfigRestoreFlags {
  std::string file;
  bool latest = false;
  bool dry_run = false;
  bool system = false;
  bool yes = false;
};

struct VerifyFlags {
  std::string file;
  bool latest = false;
  std::string check = "full";
};

bool on_pg(const core::config::Config& cfg) { return core::db::configured_backend(cfg) == core::db::Backend::pg; }

json optional_json(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

std::string short_sha(const std::string& sha) { return sha.substr(0, 12); }

std::string age_of(core::SystemTime t, core::SystemTime now) {
  const auto age = now - t;
  if (age < std::chrono::seconds(0)) return "in the future";
  return core::format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(age)) + " ago";
}

// PostgreSQL: pg_dump -Fc from one snapshot into the same rotation (no copy, check or compression
// step: pg_dump reads every row and compresses its archive itself).
int run_create_pg(Context& ctx, const CreateFlags& flags) {
  const auto& cfg = ctx.config();
  if (!flags.compress.empty() && flags.compress != "none") {
    throw core::Error(core::ErrorKind::usage, "--compress is for SQLite backups; pg_dump's archive is compressed already");
  }
  bk::PgCreateOptions o;
  o.database = core::db::pg_target(cfg);
  o.backup_dir = cfg.path("BACKUP_DIR");
  auto& out = ctx.out();
  ProgressBar bar(out);
  o.progress = [&bar](const bk::BackupProgress& p) { bar.update(p); };
  const bk::CreateResult r = bk::create_pg_backup(o, ctx.clock());
  bar.finish();
  const bk::Manifest& m = r.manifest;
  json tiers = json::array({{{"tier", "daily"}, {"path", r.path.string()}}});
  for (const auto& c : r.tier_copies) tiers.push_back({{"tier", std::string(bk::to_string(c.tier))}, {"path", c.path.string()}});
  out.document({{"path", r.path.string()}, {"tiers", tiers}, {"latest", r.latest.string()}, {"manifest", bk::to_json(m)},
                {"timings_ms", {{"dump", r.store_time.count()}, {"total", r.total_time.count()}}}});
  out.line(r.path.string());
  out.note(fmt::format("  pg_dump of {}: {}, {} trades, newest {}, schema {}, SHA-256 {}...", m.source, human_bytes(static_cast<double>(m.size_bytes)),
                       m.tables.count("trades") ? m.tables.at("trades") : 0, m.newest_trade.value_or("none"), m.schema_version, short_sha(m.sha256)));
  for (const auto& c : r.tier_copies) out.note(fmt::format("  also the {} backup: {}", bk::to_string(c.tier), c.path.string()));
  out.note(fmt::format("  took {}", core::format_duration(r.total_time)));
  return 0;
}

// A backup or its verify is batch work: the daemon's commits come first (core/util/cpu_priority.hpp).
void yield_cpu_to_daemon(Context& ctx) {
  const int niceness = static_cast<int>(ctx.config().integer("BACKUP_NICE"));
  const std::string why = core::util::lower_cpu_priority(niceness);
  if (!why.empty()) {
    ctx.out().note(fmt::format("warning: cannot lower this backup's CPU priority to BACKUP_NICE={} ({}); it competes with the daemon", niceness, why));
  }
}

int run_create(Context& ctx, const CreateFlags& flags) {
  const auto& cfg = ctx.config();
  yield_cpu_to_daemon(ctx);
  if (on_pg(cfg)) return run_create_pg(ctx, flags);
  bk::CreateOptions o;
  o.database = cfg.db_path();
  o.backup_dir = cfg.path("BACKUP_DIR");
  o.compression = *bk::parse_compression(flags.compress.empty() ? cfg.text("BACKUP_COMPRESSION") : flags.compress);
  o.check = *bk::parse_check_level(flags.check.empty() ? cfg.text("BACKUP_CHECK") : flags.check);
  o.step_pages = static_cast<int>(cfg.integer("BACKUP_STEP_PAGES"));
  o.step_sleep = std::chrono::milliseconds(cfg.integer("BACKUP_STEP_SLEEP_MS"));
  o.busy_timeout_ms = static_cast<int>(cfg.integer("DB_BUSY_TIMEOUT_MS"));
  auto& out = ctx.out();
  ProgressBar bar(out);
  o.progress = [&bar](const bk::BackupProgress& p) { bar.update(p); };
  const bk::CreateResult r = bk::create_backup(o, ctx.clock());
  bar.finish();

  const bk::Manifest& m = r.manifest;
  json tiers = json::array({{{"tier", "daily"}, {"path", r.path.string()}}});
  for (const auto& c : r.tier_copies) tiers.push_back({{"tier", std::string(bk::to_string(c.tier))}, {"path", c.path.string()}});
  out.document({{"path", r.path.string()},
                {"tiers", tiers},
                {"latest", r.latest.string()},
                {"manifest", bk::to_json(m)},
                {"copy", {{"pages", r.copy.pages}, {"page_size", r.copy.page_size}, {"steps", r.copy.steps},
                          {"snapshot", r.copy.snapshot}, {"longest_step_ms", static_cast<double>(r.copy.longest_step.count()) / 1000.0},
                          {"hashed_while_copying", r.hashed_while_copying},
                          {"counted_while_copying", r.counted_while_copying}}},
                {"timings_ms", {{"copy", r.copy.elapsed.count()}, {"check", r.check_time.count()}, {"store", r.store_time.count()},
                                {"total", r.total_time.count()}}}});
  out.line(r.path.string());
  out.note(fmt::format("  {}, {} trades, newest {}, schema {}, SHA-256 {}...", human_bytes(static_cast<double>(m.size_bytes)),
                       m.tables.count("trades") ? m.tables.at("trades") : 0, m.newest_trade.value_or("none"), m.schema_version,
                       short_sha(m.sha256)));
  for (const auto& c : r.tier_copies) out.note(fmt::format("  also the {} backup: {}", bk::to_string(c.tier), c.path.string()));
  out.note(fmt::format("  took {} (copy {} in {} steps, {} {}, {} {})", core::format_duration(r.total_time), core::format_duration(r.copy.elapsed),
                       r.copy.steps, m.check_level == "full" ? "integrity_check" : m.check_level == "quick" ? "quick_check" : "no check",
                       core::format_duration(r.check_time), m.compression == bk::Compression::none ? "hash" : "compress",
                       r.hashed_while_copying ? "done while copying" : core::format_duration(r.store_time)));
  return 0;
}

json entry_json(const bk::BackupEntry& e, const bk::Catalog& c) {
  std::error_code ec;
  json j = {{"path", e.path.string()},
            {"tier", std::string(bk::to_string(e.tier))},
            {"state", std::string(bk::to_string(e.state))},
            {"good", e.good()},
            {"size_bytes", e.size_bytes},
            {"taken_at", core::to_iso8601(e.taken_at)},
            {"taken_at_from", e.taken_at_from},
            {"sequence", e.sequence()},
            {"latest", c.latest && fs::equivalent(*c.latest, e.path, ec)}};
  if (!e.problem.empty()) j["problem"] = e.problem;
  if (e.manifest) j["manifest"] = bk::to_json(*e.manifest);
  return j;
}

int run_list(Context& ctx) {
  const auto& cfg = ctx.config();
  const fs::path dir = cfg.path("BACKUP_DIR");
  const bk::Catalog c = bk::scan_catalog(dir);
  const auto newest = bk::newest_good(c);
  const auto max_age = std::chrono::hours(cfg.integer("BACKUP_MAX_AGE_HOURS"));
  const bool stale = !newest || ctx.clock().now() - newest->taken_at > max_age;
  auto& out = ctx.out();
  json backups = json::array();
  for (const auto& e : c.entries) backups.push_back(entry_json(e, c));
  json temps = json::array();
  for (const auto& t : c.temp_files) {
    temps.push_back({{"path", t.path.string()}, {"final_name", t.final_name}, {"bytes", t.bytes}, {"writer_pid", t.writer},
                     {"writer_alive", t.writer_alive}});
  }
  json orphans = json::array();
  for (const auto& m : c.orphan_manifests) orphans.push_back(m.string());
  out.document({{"dir", dir.string()},
                {"latest", c.latest ? json(c.latest->string()) : json(nullptr)},
                {"backups", backups},
                {"temp_files", temps},
                {"orphan_manifests", orphans},
                {"leftover_bytes", c.leftover_bytes()},
                {"newest_good", newest ? json(newest->path.string()) : json(nullptr)},
                {"max_age_hours", max_age.count()},
                {"stale", stale}});
  // Files being written, or left by a killed run: they hold disk space the listing would
  // otherwise hide.
  const auto list_temps = [&] {
    for (const auto& t : c.temp_files) {
      out.line(t.writer_alive
                   ? fmt::format("being written: {} ({}, by pid {})", t.path.string(), human_bytes(static_cast<double>(t.bytes)), t.writer)
                   : out.paint(fmt::format("leftover: {} ({}, left by a killed run, pid {}; the next `bscbot backup` or `backup prune` "
                                           "removes it)",
                                           t.path.string(), human_bytes(static_cast<double>(t.bytes)), t.writer),
                               Tone::warn));
    }
    for (const auto& m : c.orphan_manifests) {
      out.line(out.paint(fmt::format("leftover: {} (a manifest without its backup; the next backup or prune removes it)", m.string()),
                         Tone::warn));
    }
  };
  if (c.entries.empty()) {
    out.line(fmt::format("no backups in {}; take one with `bscbot backup`", dir.string()));
    list_temps();
    return 0;
  }
  Table t({"TIER", "FILE", "TAKEN (UTC)", "SIZE", "TRADES", "NEWEST TRADE", "SCHEMA", "STATE"});
  std::error_code ec;
  for (const auto& e : c.entries) {
    const auto& m = e.manifest;
    std::string state(bk::to_string(e.state));
    if (c.latest && fs::equivalent(*c.latest, e.path, ec)) state += " (latest)";
    t.row({std::string(bk::to_string(e.tier)), e.path.filename().string(), core::to_sql_datetime(e.taken_at),
           human_bytes(static_cast<double>(e.size_bytes)),
           m && m->tables.count("trades") ? std::to_string(m->tables.at("trades")) : "-", m ? m->newest_trade.value_or("-") : "-",
           m ? std::to_string(m->schema_version) : "-", state});
  }
  out.line(t.render());
  list_temps();
  if (newest) {
    out.line(fmt::format("newest good backup: {} ({})", newest->path.string(), age_of(newest->taken_at, ctx.clock().now())));
  }
  if (stale) {
    out.line(out.paint(fmt::format("warning: no good backup in the last {} hours (BACKUP_MAX_AGE_HOURS)", max_age.count()), Tone::warn));
  }
  return 0;
}

json facts_json(const bk::DatabaseFacts& f) {
  json tables = json::object();
  for (const auto& t : f.tables) tables[t.name] = t.rows;
  return {{"page_size", f.page_size}, {"page_count", f.page_count}, {"application_id", f.application_id},
          {"schema_version", f.schema.current}, {"schema_latest", f.schema.latest}, {"pending_migrations", f.schema.pending},
          {"unknown_migrations", f.schema.unknown}, {"tables", tables}, {"missing_tables", f.missing_tables},
          {"newest_trade", optional_json(f.newest_trade)}, {"max_trade_id", f.max_trade_id ? json(*f.max_trade_id) : json(nullptr)},
          {"check", f.check}};
}

int run_verify(Context& ctx, const VerifyFlags& flags, Watched& watched) {
  if (flags.latest == !flags.file.empty()) {
    throw core::Error(core::ErrorKind::usage, "give either a backup FILE or --latest");
  }
  fs::path file = flags.file;
  if (flags.latest) {
    const fs::path dir = ctx.config().path("BACKUP_DIR");
    const auto candidates = bk::latest_candidates(dir);
    if (candidates.empty()) throw core::Error(core::ErrorKind::not_found, fmt::format("there is no good backup in {}; see `bscbot backup list`", dir.string()));
    file = candidates.front();
  }
  watched.evidence.push_back("backup " + file.string());
  yield_cpu_to_daemon(ctx);
  auto& out = ctx.out();
  ProgressBar bar(out);
  bk::VerifyOptions o;
  o.level = *bk::parse_check_level(flags.check);
  o.progress = [&bar](std::uintmax_t done, std::uintmax_t total) { bar.update({"read", done, total}); };
  // A pg_dump archive is also loaded into a scratch database on the deployment's own server.
  if (on_pg(ctx.config())) o.pg_server = core::db::pg_target(ctx.config());
  const bk::VerifyReport r = bk::verify_backup(file, o);
  bar.finish();
  json checks = json::array();
  for (const auto& c : r.checks) checks.push_back({{"check", c.name}, {"result", std::string(bk::to_string(c.verdict))}, {"detail", c.detail}});
  json doc = {{"path", file.string()}, {"ok", r.ok()}, {"compression", std::string(bk::to_string(r.compression))}, {"checks", checks}};
  if (!r.ok()) doc["problem"] = r.problem();
  if (r.facts) doc["facts"] = facts_json(*r.facts);
  if (r.manifest) doc["manifest"] = bk::to_json(*r.manifest);
  out.document(doc);
  if (!out.quiet()) {
    Table t({"CHECK", "RESULT", "DETAIL"});
    for (const auto& c : r.checks) {
      const Tone tone = c.verdict == bk::Verdict::pass ? Tone::ok : c.verdict == bk::Verdict::warn ? Tone::warn : Tone::bad;
      // Pad before painting, so colour codes do not upset the columns.
      t.row({c.name, out.paint(fmt::format("{:<4}", bk::to_string(c.verdict)), tone), c.detail});
    }
    out.line(t.render());
  }
  if (r.ok()) {
    if (!out.quiet()) out.line(fmt::format("{}: {}", file.string(), out.paint("good", Tone::ok)));
    return 0;
  }
  out.line(fmt::format("{}: {}: {}", file.string(), out.paint("NOT usable", Tone::bad), r.problem()));
  watched.failure = fmt::format("{} is NOT usable: {}", file.string(), r.problem());
  for (const auto& c : r.checks) {
    if (c.verdict != bk::Verdict::pass) watched.evidence.push_back(fmt::format("{}: {} ({})", c.name, bk::to_string(c.verdict), c.detail));
  }
  return 1;
}

// A failed nightly backup or weekly verify must reach someone, not only cron's mail.
int watched_create(Context& ctx, const CreateFlags& flags) {
  Watched w{"command.backup", "bscbot backup", core::notify::Severity::high,
            "bscbot backup list; bscbot health (disk_data); fix the cause and run `bscbot backup` again", "", {}};
  const auto& cfg = ctx.config();
  w.evidence.push_back(fmt::format("database {}, backup folder {}", core::db::describe_database(cfg), cfg.path("BACKUP_DIR").string()));
  return run_watched(ctx, w, [&] { return run_create(ctx, flags); });
}

int watched_verify(Context& ctx, const VerifyFlags& flags) {
  Watched w{"command.backup_verify", "bscbot backup verify", core::notify::Severity::high,
            "bscbot backup list; take a fresh backup with `bscbot backup` and verify it", "", {}};
  return run_watched(ctx, w, [&] { return run_verify(ctx, flags, w); });
}

int run_prune(Context& ctx, bool dry_run) {
  const auto& cfg = ctx.config();
  const fs::path dir = cfg.path("BACKUP_DIR");
  const auto result = bk::prune_backups(dir, bk::retention_from(cfg), ctx.clock(), dry_run ? bk::DryRun::yes : bk::DryRun::no);
  auto& out = ctx.out();
  json decisions = json::array();
  for (const auto& d : result.plan.decisions) {
    decisions.push_back({{"path", d.entry.path.string()}, {"tier", std::string(bk::to_string(d.entry.tier))}, {"delete", d.remove}, {"reason", d.reason}});
  }
  json leftovers = json::array();
  for (const auto& l : result.plan.leftovers) leftovers.push_back(l.string());
  out.document({{"dry_run", dry_run}, {"dir", dir.string()}, {"decisions", decisions}, {"leftovers", leftovers},
                {"deleted", dry_run ? 0 : result.plan.removals()}, {"freed_bytes", result.freed_bytes}});
  Table t({"ACTION", "TIER", "FILE", "WHY"});
  for (const auto& d : result.plan.decisions) {
    if (out.quiet() && !d.remove) continue;
    const std::string action = d.remove ? (dry_run ? "would delete" : "deleted") : "keep";
    t.row({d.remove ? out.paint(fmt::format("{:<12}", action), Tone::warn) : action, std::string(bk::to_string(d.entry.tier)),
           d.entry.path.filename().string(), d.reason});
  }
  if (!t.empty()) out.line(t.render());
  for (const auto& l : result.plan.leftovers) out.line(fmt::format("{} leftover {}", dry_run ? "would remove" : "removed", l.string()));
  if (!out.quiet()) {
    out.line(dry_run ? fmt::format("would delete {} of {} backup(s)", result.plan.removals(), result.plan.decisions.size())
                     : fmt::format("deleted {} of {} backup(s), {} freed", result.plan.removals(), result.plan.decisions.size(),
                                   human_bytes(static_cast<double>(result.freed_bytes))));
  }
  return 0;
}

int run_config(Context& ctx, const std::vector<std::string>& extra) {
  const auto& cfg = ctx.config();
  std::vector<fs::path> files = bk::default_config_files(cfg.files());
  for (const auto& e : extra) files.emplace_back(e);
  const auto r = bk::archive_config(cfg.path("BACKUP_DIR"), files, fs::current_path(), ctx.clock().now());
  auto& out = ctx.out();
  json archived = json::array();
  for (const auto& f : r.files) archived.push_back({{"source", f.source.string()}, {"entry", f.entry}, {"bytes", f.bytes}});
  json missing = json::array();
  for (const auto& m : r.missing) missing.push_back(m.string());
  out.document({{"path", r.path.string()}, {"mode", "600"}, {"bytes", r.bytes}, {"sha256", r.sha256}, {"files", archived}, {"missing", missing}});
  out.line(r.path.string());
  for (const auto& f : r.files) out.note(fmt::format("  {} ({})", f.entry, human_bytes(static_cast<double>(f.bytes))));
  for (const auto& m : r.missing) out.note(fmt::format("  not found, skipped: {}", m.string()));
  out.note("  mode 600: it holds secrets; keep it off shared disks");
  return 0;
}

int run_config_restore(Context& ctx, const ConfigRestoreFlags& flags) {
  const auto& cfg = ctx.config();
  const fs::path archive = bk::chosen_config_archive(cfg.path("BACKUP_DIR"), flags.file, flags.latest);
  const bk::ConfigRestorePlan plan = bk::plan_config_restore(archive, fs::current_path());
  auto& out = ctx.out();
  json files = json::array();
  for (const auto& f : plan.files) {
    files.push_back({{"entry", f.entry}, {"target", f.target.string()}, {"change", std::string(bk::to_string(f.change))}, {"system", f.system},
                     {"mode", fmt::format("{:o}", static_cast<unsigned>(f.mode))}, {"bytes", f.bytes}, {"settings", f.settings}});
  }
  Table t({"FILE", "CHANGE", "MODE", "DETAIL"});
  for (const auto& f : plan.files) {
    std::string detail = f.settings.empty() ? fmt::format("{} bytes", f.bytes) : "settings: " + fmt::format("{}", fmt::join(f.settings, ", "));
    if (f.system && !flags.system && f.change != bk::ConfigChange::unchanged) detail += " (outside the deployment: only with --system)";
    t.row({f.target.string(), std::string(bk::to_string(f.change)), fmt::format("{:o}", static_cast<unsigned>(f.mode)), detail});
  }
  const std::size_t changes = plan.changes(flags.system);
  if (flags.dry_run || changes == 0) {
    out.document({{"archive", archive.string()}, {"dry_run", flags.dry_run}, {"files", files}, {"changes", changes}, {"written", json::array()}});
    out.line(t.render());
    out.line(changes == 0 ? "nothing to change" : fmt::format("would change {} file(s) (nothing is changed with --dry-run)", changes));
    return 0;
  }
  if (!flags.yes) {
    if (!out.interactive()) throw core::Error(core::ErrorKind::usage, "config restore rewrites configuration files; confirm on a terminal or pass --yes");
    out.line(t.render());
    if (!out.confirm(fmt::format("Write {} file(s) from {}?", changes, archive.string()))) {
      out.line("config restore cancelled; nothing was changed");
      return 1;
    }
  }
  const bk::ConfigRestoreResult r = bk::restore_config(plan, flags.system, ctx.clock().now());
  json written = json::array(), kept = json::array(), skipped = json::array();
  for (const auto& p : r.written) written.push_back(p.string());
  for (const auto& p : r.kept) kept.push_back(p.string());
  for (const auto& p : r.skipped) skipped.push_back(p.string());
  out.document({{"archive", archive.string()}, {"dry_run", false}, {"files", files}, {"changes", changes}, {"written", written}, {"kept", kept},
                {"skipped", skipped}});
  out.line(t.render());
  out.line(fmt::format("wrote {} file(s); the replaced ones are kept beside them as *.before-restore-*", r.written.size()));
  for (const auto& p : r.skipped) out.line(fmt::format("skipped {} (outside the deployment folder; pass --system)", p.string()));
  return 0;
}

void add_create_flags(CLI::App& command, const std::shared_ptr<CreateFlags>& flags) {
  command.add_option("--compress", flags->compress, "Compress the backup: none, gzip or zstd (default: BACKUP_COMPRESSION)")
      ->check(CLI::IsMember({"none", "gzip", "zstd"}));
  command.add_option("--check", flags->check,
                     "Check the copy before keeping it: quick (quick_check), full (integrity_check) or none (default: BACKUP_CHECK)")
      ->check(CLI::IsMember({"quick", "full", "none"}));
}

}  // namespace

void setup_backup(CLI::App& command, Context& ctx) {
  command.require_subcommand(0, 1);
  auto create_flags = std::make_shared<CreateFlags>();
  add_create_flags(command, create_flags);

  auto* create = command.add_subcommand(
      "create", "Take an online, consistent backup of the live database into the rotation (PostgreSQL: pg_dump -Fc of one snapshot)");
  add_create_flags(*create, create_flags);
  create->callback([&ctx, create_flags] { ctx.run = [&ctx, create_flags] { return watched_create(ctx, *create_flags); }; });

  command.add_subcommand("list", "List the backups of every tier with their state, size, trades and newest trade")->callback([&ctx] {
    ctx.run = [&ctx] { return run_list(ctx); };
  });

  auto verify_flags = std::make_shared<VerifyFlags>();
  auto* verify = command.add_subcommand("verify", "Check a backup: checksum, integrity_check, tables, schema, trades (exit 0 good, 1 not)");
  verify->add_option("FILE", verify_flags->file, "Backup file to check (.sqlite, .sqlite.gz, .sqlite.zst or .pgdump)");
  verify->add_flag("--latest", verify_flags->latest, "Check the newest good backup of BACKUP_DIR");
  verify->add_option("--check", verify_flags->check, "Integrity check to run: full (integrity_check), quick (quick_check) or none")
      ->check(CLI::IsMember({"quick", "full", "none"}))
      ->capture_default_str();
  verify->callback([&ctx, verify_flags] { ctx.run = [&ctx, verify_flags] { return watched_verify(ctx, *verify_flags); }; });

  auto dry_run = std::make_shared<bool>(false);
  auto* prune = command.add_subcommand(
      "prune", "Delete backups past their tier's retention (BACKUP_KEEP_*_DAYS); the newest good one of each tier is always kept");
  prune->add_flag("--dry-run", *dry_run, "Only show what would be deleted and why");
  prune->callback([&ctx, dry_run] { ctx.run = [&ctx, dry_run] { return run_prune(ctx, *dry_run); }; });

  auto extra = std::make_shared<std::vector<std::string>>();
  auto* config = command.add_subcommand(
      "config", "Archive .env, the config file and the systemd unit into BACKUP_DIR/config/config_<time>.tar.gz (mode 600)");
  config->require_subcommand(0, 1);
  config->add_option("--include", *extra, "Another file to put in the archive (repeatable), e.g. an nginx site");
  auto restore_flags = std::make_shared<ConfigRestoreFlags>();
  auto* config_restore = config->add_subcommand("restore", "Put a config archive's files back (shows what changes; keeps modes and the replaced files)");
  config_restore->add_option("FILE", restore_flags->file, "Config archive (default with --latest: the newest in BACKUP_DIR/config)");
  config_restore->add_flag("--latest", restore_flags->latest, "Use the newest archive in BACKUP_DIR/config");
  config_restore->add_flag("--dry-run", restore_flags->dry_run, "Only show what would change");
  config_restore->add_flag("--system", restore_flags->system, "Also write files from outside the deployment folder (the systemd unit)");
  config_restore->add_flag("-y,--yes", restore_flags->yes, "Do not ask for confirmation (for scripts)");
  config_restore->callback([&ctx, restore_flags] { ctx.run = [&ctx, restore_flags] { return run_config_restore(ctx, *restore_flags); }; });
  config->callback([&ctx, config, extra] {
    if (config->get_subcommands().empty()) ctx.run = [&ctx, extra] { return run_config(ctx, *extra); };
  });

  // Set last: subcommands added after it would repeat it in their own help.
  command.footer(
      "Without a subcommand, `bscbot backup` is `bscbot backup create`. Backups go to BACKUP_DIR/daily (linked into weekly/ on "
      "Sundays and monthly/ on the 1st, UTC), each with a JSON manifest beside it; BACKUP_DIR/latest leads to the newest. Cron: "
      "`0 2 * * * cd /srv/bscbot && bscbot -q backup`, `0 3 * * 1 cd /srv/bscbot && bscbot -q backup verify --latest`, "
      "`30 2 * * * cd /srv/bscbot && bscbot -q backup prune`. With DB_CLIENT=pg a backup is a pg_dump custom-format archive "
      "(db_<time>.pgdump, pg_dump from postgresql-client-15) taken from one exported snapshot; verify also loads it into a "
      "scratch database on the same server (the role needs CREATEDB) and counts its rows against the manifest.");
  command.callback([&ctx, &command, create_flags] {
    if (command.get_subcommands().empty()) ctx.run = [&ctx, create_flags] { return watched_create(ctx, *create_flags); };
  });
}

}  // namespace bscbot::cmd
