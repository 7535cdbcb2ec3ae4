#include "core/backup/pg_backup.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "core/backup/catalog.hpp"
#include "core/backup/publish.hpp"
#include "core/backup/sha256.hpp"
#include "core/backup/staged_file.hpp"
#include "core/db/migrations.hpp"
#include "core/db/pg_url.hpp"
#include "core/error.hpp"
#include "core/util/crash_point.hpp"
#include "core/util/files.hpp"
#include "core/util/units.hpp"
#include "core/version.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::backup {

namespace {

// A dump is usually a fraction of pg_database_size (compressed, no indexes or dead rows); we ask
// for a quarter of it up front and catch a disk that fills up midway like any other write.
constexpr std::uintmax_t k_space_margin = 16ull << 20;

std::chrono::milliseconds since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::string live_name(const db::PgTarget& t) {
  const std::string name = t.dbname.empty() ? db::parse_pg_url(t.url).dbname : t.dbname;
  if (name.empty()) throw Error(ErrorKind::config, "DATABASE_URL names no database; add /DBNAME to it");
  return db::checked_database_name(name);
}

std::string stamped(const std::string& live, std::string_view what, SystemTime now) {
  const std::tm tm = to_utc_tm(now);
  const std::string suffix = fmt::format("_{}_{:04}{:02}{:02}_{:02}{:02}{:02}", what, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                                         tm.tm_min, tm.tm_sec);
  return live.substr(0, 63 - suffix.size()) + suffix;
}

// `name`, or when a database has it (names are stamped to the second: a second restore within
// it), the first free `name_2`, `name_3`, ..., cut to PostgreSQL's 63 bytes like the stamp.
std::string unused_name(db::PgServerAdmin& admin, const std::string& name) {
  if (!admin.exists(name)) return name;
  for (int n = 2;; ++n) {
    const std::string tail = fmt::format("_{}", n);
    std::string candidate = name.substr(0, 63 - tail.size()) + tail;
    if (!admin.exists(candidate)) return candidate;
  }
}

// A scratch database name unique to this process.
std::string scratch_name(std::string_view what) {
  static std::atomic<int> n{0};
  return fmt::format("bscbot_{}_{}_{}", what, ::getpid(), ++n);
}

// Row counts and schema of the database at `t`, to hold against a manifest.
struct LoadedFacts {
  std::map<std::string, std::int64_t> tables;
  std::optional<std::string> newest_trade;
  db::SchemaStatus schema;
};

LoadedFacts facts_of(const db::PgTarget& t) {
  auto store = db::open_pg_store(t, db::Access::read_only);
  LoadedFacts f;
  const db::DatabaseStats s = store->stats();
  for (const auto& c : s.tables) f.tables[c.name] = c.rows;
  if (s.newest_trade) f.newest_trade = to_sql_datetime(*s.newest_trade);
  f.schema = store->schema_status();
  return f;
}

std::vector<std::string> differences(const Manifest& m, const LoadedFacts& f) {
  std::vector<std::string> out;
  for (const auto& [table, rows] : m.tables) {
    const auto it = f.tables.find(table);
    const std::int64_t got = it == f.tables.end() ? -1 : it->second;
    if (got != rows) out.push_back(got < 0 ? fmt::format("no {} table (manifest {} rows)", table, rows) : fmt::format("{} {} (manifest {})", table, got, rows));
  }
  if (m.newest_trade != f.newest_trade) {
    out.push_back(fmt::format("newest trade {} (manifest {})", f.newest_trade.value_or("none"), m.newest_trade.value_or("none")));
  }
  if (m.schema_version != f.schema.current) out.push_back(fmt::format("schema {} (manifest {})", f.schema.current, m.schema_version));
  return out;
}

// Ends bscbot's own sessions on `name` and waits briefly for them to go; a rename needs none left.
void clear_sessions(db::PgServerAdmin& admin, const std::string& name) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    admin.end_sessions(name);
    if (admin.sessions(name).empty()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw Error(ErrorKind::conflict, fmt::format("database {} is still in use by {}; stop those clients (or end them as a superuser with "
                                               "pg_terminate_backend) and restore again",
                                               name, join(admin.sessions(name))));
}

// A scratch database that is dropped when this goes away.
class ScratchDatabase {
public:
  ScratchDatabase(db::PgServerAdmin& admin, std::string name) : m_admin(admin), m_name(std::move(name)) {
    m_admin.drop(m_name);
    m_admin.create(m_name);
  }
  ~ScratchDatabase() {
    if (m_name.empty()) return;
    try {
      m_admin.end_sessions(m_name);
      m_admin.drop(m_name);
    } catch (const std::exception&) {
      // Best effort: the name is unique to this process, so a leftover never passes for live data.
    }
  }
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;
  const std::string& name() const { return m_name; }
  // Keeps the database (it became the live one).
  void release() { m_name.clear(); }

private:
  db::PgServerAdmin& m_admin;
  std::string m_name;
};

struct Checks {
  VerifyReport& report;
  void pass(std::string name, std::string detail) { report.checks.push_back({std::move(name), Verdict::pass, std::move(detail)}); }
  void fail(std::string name, std::string detail) { report.checks.push_back({std::move(name), Verdict::fail, std::move(detail)}); }
};

}  // namespace

std::string pg_pre_restore_name(const std::string& live, SystemTime now) { return stamped(live, "pre_restore", now); }
std::string pg_restoring_name(const std::string& live, SystemTime now) { return stamped(live, "restoring", now); }

std::uintmax_t pg_space_needed(std::uintmax_t database_bytes) { return database_bytes / 4 + k_space_margin; }

CreateResult create_pg_backup(const PgCreateOptions& o, const Clock& clock) {
  const auto started = std::chrono::steady_clock::now();
  BackupLock lock(o.backup_dir);
  // What killed runs left goes first, so its room counts for this backup.
  reclaim_leftovers(o.backup_dir);
  const Catalog catalog = scan_catalog(o.backup_dir);
  const SystemTime now = clock.now();
  const std::vector<Tier> tiers = tiers_for(now);
  const fs::path daily_dir = o.backup_dir / std::string(to_string(Tier::daily));
  std::error_code ec;
  fs::create_directories(daily_dir, ec);
  if (ec) throw Error(ErrorKind::io, fmt::format("cannot create {}: {}", daily_dir.string(), ec.message()));

  const std::uintmax_t size = db::open_pg_store(o.database, db::Access::read_only)->size_bytes();
  const std::uintmax_t needed = pg_space_needed(size);
  const std::uintmax_t available = o.available_bytes ? o.available_bytes(daily_dir) : available_bytes(daily_dir);
  if (available < needed) {
    throw Error(ErrorKind::io, fmt::format("not enough free space for a backup in {}: {} free, about {} needed for {} ({}); free space or "
                                           "point BACKUP_DIR at a larger disk; nothing was written",
                                           daily_dir.string(), bytes_text(static_cast<double>(available)), bytes_text(static_cast<double>(needed)),
                                           o.database.describe(), bytes_text(static_cast<double>(size))));
  }

  const fs::path daily = free_name(daily_dir, backup_file_name(Tier::daily, now, Compression::none, BackupFormat::pg_dump));
  StagedFile file(daily, k_backup_mode);
  Sha256 sha;
  std::uintmax_t bytes = 0;
  const db::DumpFacts facts = db::dump_pg(o.database, [&](const char* data, std::size_t n) {
    file.write(data, n);
    sha.update(data, n);
    bytes += n;
    if (o.progress) o.progress({"dump", bytes, size});
  });
  file.finish();
  crash_point("pg_backup.dumped");

  CreateResult result;
  result.store_time = since(started);
  Manifest& m = result.manifest;
  m.file = daily.filename().string();
  m.tier = std::string(to_string(Tier::daily));
  m.sequence = next_sequence(catalog);
  m.created_at = to_iso8601(now);
  m.backend = BackupFormat::pg_dump;
  m.source = o.database.describe();
  m.server_version = facts.stats.server_version.value_or("");
  m.tool = facts.pg_dump_version;
  m.host = host_name();
  m.bscbot_version = k_version;
  m.compression = Compression::none;
  m.size_bytes = bytes;
  m.sha256 = sha.hex_digest();
  m.database_bytes = facts.stats.size_bytes;
  m.schema_version = facts.stats.schema_version;
  m.schema_migration = facts.applied.empty() ? "" : facts.applied.back();
  for (const auto& t : facts.stats.tables) m.tables[t.name] = t.rows;
  if (facts.stats.newest_trade) m.newest_trade = to_sql_datetime(*facts.stats.newest_trade);
  m.max_trade_id = facts.max_trade_id;
  // pg_dump reads every row of every table, so a damaged heap fails the dump; nothing else is checked here.
  m.check_level = "dump";
  m.check = "ok";
  m.duration_ms = since(started).count();

  set_modified_time(file.temp_path(), now);
  const Published published = publish_backup(file, o.backup_dir, m, tiers, now);
  result.path = published.path;
  result.tier_copies = published.tier_copies;
  result.latest = published.latest;
  result.total_time = since(started);
  return result;
}

VerifyReport verify_pg_backup(const fs::path& file, const VerifyOptions& options) {
  VerifyReport report;
  report.path = file;
  Checks checks{report};
  if (!fs::exists(file)) throw Error(ErrorKind::not_found, fmt::format("{} does not exist", file.string()));
  try {
    report.manifest = read_manifest(file);
  } catch (const Error& e) {
    checks.fail("manifest", e.what());
    return report;
  }
  if (!report.manifest) {
    checks.fail("manifest", fmt::format("{} has no manifest ({}); a pg_dump archive without one cannot be checked", file.string(),
                                        manifest_path(file).filename().string()));
    return report;
  }
  const Manifest& m = *report.manifest;
  if (m.backend != BackupFormat::pg_dump) {
    checks.fail("manifest", fmt::format("the manifest describes a {} backup, not a pg_dump archive", to_string(m.backend)));
    return report;
  }
  checks.pass("manifest", fmt::format("taken {} from {} (PostgreSQL {}, {})", m.created_at, m.source, m.server_version, m.tool));

  // 1. The bytes are the ones written.
  Sha256 sha;
  std::uintmax_t total = fs::file_size(file), done = 0;
  {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(ErrorKind::io, fmt::format("cannot read {}", file.string()));
    std::vector<char> buffer(1 << 20);
    while (in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      const auto n = static_cast<std::size_t>(in.gcount());
      if (n == 0) break;
      sha.update(buffer.data(), n);
      done += n;
      if (options.progress) options.progress(done, total);
    }
  }
  const std::string digest = sha.hex_digest();
  if (done != m.size_bytes) {
    checks.fail("checksum", fmt::format("the file has {} bytes, the manifest recorded {}: it was cut short or changed", done, m.size_bytes));
    return report;
  }
  if (digest != m.sha256) {
    checks.fail("checksum", fmt::format("SHA-256 {} differs from the manifest's {}: the file changed after it was written", digest, m.sha256));
    return report;
  }
  checks.pass("checksum", fmt::format("SHA-256 {} matches the manifest", digest));

  // 2. pg_restore can read it, and it holds the tables the manual's verify script requires.
  std::vector<std::string> toc;
  try {
    toc = db::list_pg_archive(file);
  } catch (const Error& e) {
    checks.fail("archive", e.what());
    return report;
  }
  std::vector<std::string> missing;
  for (const std::string& table : db::required_tables()) {
    const bool found = std::any_of(toc.begin(), toc.end(), [&](const std::string& line) {
      return line.find(" TABLE DATA ") != std::string::npos && line.find(" " + table + " ") != std::string::npos;
    });
    if (!found) missing.push_back(table);
  }
  if (!missing.empty()) {
    checks.fail("tables", fmt::format("the archive has no data for: {}", join(missing)));
    return report;
  }
  checks.pass("archive", fmt::format("pg_restore reads {} entries, with the data of {}", toc.size(), join(db::required_tables())));

  const int latest = db::schema_status_of({}).latest;
  if (m.schema_version > latest) {
    checks.fail("schema", fmt::format("schema {} is newer than this bscbot knows ({}); upgrade bscbot before restoring it", m.schema_version, latest));
    return report;
  }

  // 3. It loads, and holds what the manifest says.
  if (!options.pg_server) {
    checks.pass("restore", "not tried: no PostgreSQL server to load it into (verify it on the deployment, where DB_CLIENT=pg)");
    return report;
  }
  try {
    db::PgServerAdmin admin(*options.pg_server);
    ScratchDatabase scratch(admin, scratch_name("verify"));
    const db::PgTarget target = options.pg_server->with_dbname(scratch.name());
    db::restore_pg_archive(file, target);
    const LoadedFacts loaded = facts_of(target);
    const auto diff = differences(m, loaded);
    if (!diff.empty()) {
      checks.fail("restore", "the restored database differs from its manifest: " + join(diff));
      return report;
    }
    checks.pass("restore", fmt::format("loaded into a scratch database (dropped again): {} trades, newest {}, schema {}",
                                       loaded.tables.count("trades") ? loaded.tables.at("trades") : 0, loaded.newest_trade.value_or("none"),
                                       loaded.schema.current));
  } catch (const Error& e) {
    checks.fail("restore", e.what());
  }
  return report;
}

std::vector<std::string> load_pg_backup(const fs::path& file, const db::PgTarget& server, const std::string& name) {
  db::PgServerAdmin admin(server);
  ScratchDatabase loaded(admin, name);
  const db::PgTarget target = server.with_dbname(name);
  db::restore_pg_archive(file, target);
  std::vector<std::string> applied = db::open_pg_store(target, db::Access::read_write)->migrate(db::known_migrations());
  loaded.release();
  return applied;
}

RestorePlan plan_pg_restore(const PgRestoreOptions& o, DaemonHandle& daemon, const Clock& clock) {
  RestorePlan p;
  const std::string live = live_name(o.database);
  VerifyOptions vo;
  vo.progress = o.progress;
  for (const fs::path& candidate : o.candidates) {
    VerifyReport r = verify_pg_backup(candidate, vo);
    if (r.ok()) {
      p.backup = candidate;
      p.verify = std::move(r);
      break;
    }
    p.skipped.push_back({candidate, r.problem()});
  }
  if (p.backup.empty()) {
    throw Error(ErrorKind::data, fmt::format("no backup to restore: {}", p.skipped.empty() ? "none given" : p.skipped.back().problem));
  }
  db::PgServerAdmin admin(o.database);
  p.database = o.database.describe();
  p.database_exists = admin.exists(live);
  p.daemon_pid = daemon.running();
  const SystemTime now = clock.now();
  p.pre_restore_copy = unused_name(admin, pg_pre_restore_name(live, now));
  p.steps.push_back(fmt::format("verify {}: ok ({} trades)", p.backup.string(), p.verify.manifest->tables.count("trades") ? p.verify.manifest->tables.at("trades") : 0));
  p.steps.push_back(fmt::format("load it with pg_restore into a new database {} and migrate it", pg_restoring_name(live, now)));
  if (p.daemon_pid) p.steps.push_back(fmt::format("stop bscbotd (pid {})", *p.daemon_pid));
  if (p.database_exists) p.steps.push_back(fmt::format("rename {} to {} (kept)", live, p.pre_restore_copy.string()));
  p.steps.push_back(fmt::format("rename the loaded database to {}", live));
  p.steps.push_back("count its rows against the manifest");
  if (p.daemon_pid) p.steps.push_back("start bscbotd and wait until it is healthy");
  return p;
}

RestoreResult restore_pg_backup(const PgRestoreOptions& o, DaemonHandle& daemon, const Clock& clock) {
  RestoreResult result;
  const std::string live = live_name(o.database);
  result.database = o.database.describe();
  auto lap = std::chrono::steady_clock::now();
  const auto record = [&](RestoreStep step, const std::string& detail) {
    const auto t = std::chrono::steady_clock::now();
    result.steps.push_back({step, detail, std::chrono::duration_cast<std::chrono::milliseconds>(t - lap)});
    lap = t;
    if (o.on_step) o.on_step(step, detail);
  };
  daemon.running();  // a daemon restore cannot stop is refused before the long load
  // One restore of this database at a time; a `_restoring_` database left now is a killed
  // restore's, never the live data (that is renamed in and out in one transaction).
  const std::string any = pg_restoring_name(live, SystemTime{});
  const std::string restoring_prefix = any.substr(0, any.size() - std::string_view("YYYYmmdd_HHMMSS").size());
  // Keyed by the prefix, so two long names that share it (cut to 63 bytes) also take turns.
  const db::PgLock lock(o.database, "restore of " + restoring_prefix);
  db::PgServerAdmin admin(o.database);
  for (const std::string& leftover : admin.names_starting(restoring_prefix)) {
    admin.end_sessions(leftover);
    admin.drop(leftover);
    if (o.on_step) o.on_step(RestoreStep::verify, fmt::format("dropped {}, left by a restore that was killed", leftover));
  }

  // 1. Verify (checksum and contents) and load into a new database; nothing live changes yet.
  const RestorePlan plan = plan_pg_restore(o, daemon, clock);
  result.backup = plan.backup;
  result.skipped = plan.skipped;
  const Manifest& m = *plan.verify.manifest;
  record(RestoreStep::verify, fmt::format("{} verified (SHA-256 and contents)", plan.backup.string()));

  const SystemTime now = clock.now();
  ScratchDatabase loaded(admin, pg_restoring_name(live, now));
  const db::PgTarget loaded_target = o.database.with_dbname(loaded.name());
  db::restore_pg_archive(plan.backup, loaded_target);
  {
    auto store = db::open_pg_store(loaded_target, db::Access::read_write);
    result.migrations = store->migrate(db::known_migrations());
  }
  LoadedFacts facts = facts_of(loaded_target);
  if (result.migrations.empty()) {
    if (const auto diff = differences(m, facts); !diff.empty()) {
      throw Error(ErrorKind::data, fmt::format("{} loads, but differs from its manifest: {}; nothing was changed", plan.backup.string(), join(diff)));
    }
  }
  record(RestoreStep::prepare, fmt::format("loaded into {}{}", loaded.name(),
                                           result.migrations.empty() ? std::string() : fmt::format(", {} migration(s) applied", result.migrations.size())));
  crash_point("pg_restore.loaded");

  // 2. Stop, swap by renaming, check, start; undo the renames on any failure.
  const std::optional<pid_t> pid = daemon.running();
  result.daemon_was_running = pid.has_value();
  if (pid) {
    try {
      daemon.stop();
    } catch (const Error& e) {
      throw Error(e.kind(), fmt::format("{}; nothing was changed and bscbotd is still running", e.what()));
    }
  }
  record(RestoreStep::stop_daemon, pid ? fmt::format("stopped bscbotd (pid {})", *pid) : std::string("bscbotd was not running"));
  crash_point("pg_restore.daemon_stopped");
  const std::string pre = unused_name(admin, pg_pre_restore_name(live, now));
  bool moved_aside = false, swapped = false;
  RestoreStep current = RestoreStep::pre_restore_copy;
  try {
    // Both renames in one transaction: killed at any moment, the server has either the old
    // database under the live name or the restored one, never none.
    std::vector<std::pair<std::string, std::string>> renames;
    const bool existed = admin.exists(live);
    if (existed) {
      clear_sessions(admin, live);
      renames.emplace_back(live, pre);
    }
    clear_sessions(admin, loaded.name());
    renames.emplace_back(loaded.name(), live);
    current = RestoreStep::swap;
    admin.rename_together(renames);
    loaded.release();
    moved_aside = existed;
    swapped = true;
    crash_point("pg_restore.swapped");
    if (existed) {
      result.pre_restore_copy = pre;
      record(RestoreStep::pre_restore_copy, fmt::format("the live database {} renamed to {} (kept)", live, pre));
    } else {
      record(RestoreStep::pre_restore_copy, fmt::format("there was no database {}: nothing to keep", live));
    }
    record(current, fmt::format("{} renamed to {} (in the same transaction)", pg_restoring_name(live, now), live));
    current = RestoreStep::check;
    facts = facts_of(o.database);
    result.trades = facts.tables.count("trades") ? facts.tables.at("trades") : 0;
    result.newest_trade = facts.newest_trade;
    result.schema_version = facts.schema.current;
    if (!facts.schema.pending.empty()) throw Error(ErrorKind::database, "the restored database still has pending migrations");
    record(current, fmt::format("schema {}, {} trades", result.schema_version, result.trades));
    current = RestoreStep::start_daemon;
    if (result.daemon_was_running) {
      result.daemon_pid = daemon.start();
      record(current, fmt::format("bscbotd started (pid {}) and healthy", *result.daemon_pid));
    } else {
      record(current, "bscbotd was not running before: left stopped");
    }
  } catch (const std::exception& e) {
    std::string state;
    try {
      if (swapped) {
        // Undone in one transaction too: the restored copy aside (for a look), the old one back.
        clear_sessions(admin, live);
        std::vector<std::pair<std::string, std::string>> undo = {{live, pg_restoring_name(live, now)}};
        if (moved_aside) undo.emplace_back(pre, live);
        admin.rename_together(undo);
        state = fmt::format("the restored database is kept as {}", pg_restoring_name(live, now));
        if (moved_aside) state += fmt::format("; {} is the database it was before", live);
      }
      if (result.daemon_was_running) {
        const pid_t again = daemon.start();
        state += fmt::format("; bscbotd started again (pid {})", again);
      }
    } catch (const std::exception& undo) {
      state += fmt::format("; undoing failed: {} — check with `psql -l` which of {}, {} and {} hold what", undo.what(), live, pre,
                           pg_restoring_name(live, now));
    }
    if (state.empty()) state = "nothing had changed";
    const auto* error = dynamic_cast<const Error*>(&e);
    throw Error(error ? error->kind() : ErrorKind::internal, fmt::format("restore failed at {}: {}; rolled back: {}", to_string(current), e.what(), state));
  }
  return result;
}

}  // namespace bscbot::core::backup
