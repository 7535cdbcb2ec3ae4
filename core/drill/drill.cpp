#include "core/drill/drill.hpp"

#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <thread>

#include "core/backup/catalog.hpp"
#include "core/backup/manifest.hpp"
#include "core/backup/pg_backup.hpp"
#include "core/backup/restore.hpp"
#include "core/db/maintenance.hpp"
#include "core/db/pg_tools.hpp"
#include "core/db/store.hpp"
#include "core/error.hpp"
#include "core/process/daemon_control.hpp"
#include "core/process/pid_file.hpp"
#include "core/util/crash_point.hpp"
#include "core/util/files.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::drill {

namespace {

// There is no daemon in the scratch folder while restoring into it.
class NoDaemon final : public backup::DaemonHandle {
public:
  std::optional<pid_t> running() override { return std::nullopt; }
  void stop() override {}
  pid_t start() override { throw Error(ErrorKind::internal, "the drill starts its daemon itself"); }
};

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw Error(ErrorKind::io, "cannot find a free loopback port for the drill's daemon");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

// The production settings with every path and port moved into the scratch folder (and, on
// PostgreSQL, the database into the scratch database), and the chain and notifications switched
// off: a drill must never trade, nor page anyone about the scratch copy.
std::map<std::string, std::string> scratch_settings(const fs::path& scratch, int port, const std::optional<db::PgTarget>& pg) {
  std::map<std::string, std::string> s = {
      {"HOST", "127.0.0.1"},
      {"PORT", std::to_string(port)},
      {"DATA_DIR", (scratch / "data").string()},
      {"DB_PATH", (scratch / "data" / "trading-bot.sqlite").string()},
      {"PID_FILE", (scratch / "data" / "bscbotd.pid").string()},
      {"LOG_DIR", (scratch / "logs").string()},
      {"BACKUP_DIR", (scratch / "backups").string()},
      {"REPORTS_DIR", (scratch / "reports").string()},
      {"CHAIN_ENABLED", "false"},
      {"AUTO_MIGRATE", "true"},
      {"WEBSOCKET_ENABLED", "false"},
      {"NOTIFY_ENABLED", "false"},
  };
  if (pg) {
    s["DB_CLIENT"] = "pg";
    s["DATABASE_URL"] = pg->url_with_dbname();
  }
  return s;
}

// A database name from the scratch folder's (unique) name.
std::string scratch_database_name(const fs::path& scratch) {
  std::string name;
  for (char c : scratch.filename().string()) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name.substr(0, 63);
}

std::string ms(std::chrono::milliseconds d) { return format_duration(d); }

constexpr std::string_view k_scratch_prefix = "bscbot-drill-";

// Marks a scratch folder whose drill has not finished, with that drill's pid and identity (see
// pid_file.hpp); a folder kept with --keep loses it.
constexpr std::string_view k_in_progress = ".drill-in-progress";

void write_in_progress(const fs::path& scratch) {
  const auto me = process::process_identity(::getpid());
  atomic_write_file(scratch / k_in_progress,
                    fmt::format("pid={}\nexe={}\nstart={}\nboot={}\n", ::getpid(), me ? me->exe.string() : "", me ? me->start_ticks : 0,
                                me ? me->boot_id : ""),
                    fs::perms(0600));
}

// The drill that wrote a marker, or nullopt when the file is missing or not one of ours.
std::optional<std::pair<pid_t, process::ProcessIdentity>> read_in_progress(const fs::path& scratch) {
  std::ifstream in(scratch / k_in_progress);
  std::map<std::string, std::string> kv;
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) kv[line.substr(0, eq)] = line.substr(eq + 1);
  }
  if (!kv.count("pid") || !kv.count("start")) return std::nullopt;
  try {
    process::ProcessIdentity id{kv["exe"], std::stoull(kv["start"]), kv["boot"]};
    return std::make_pair(static_cast<pid_t>(std::stol(kv["pid"])), id);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// Scratch folders of drills that were killed: made by us (our uid, mode 700 as mkdtemp makes
// them, not a link), still marked in progress by a drill that is gone (its pid no longer has the
// recorded identity). A daemon one may still run is stopped only when its pid file proves it is
// that folder's bscbotd; then the folder goes. A folder anyone else could have prepared is never
// touched. Returns what was done, in words.
std::vector<std::string> clear_killed_drills(const fs::path& root) {
  std::vector<std::string> done;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    struct stat st {};
    if (!e.path().filename().string().starts_with(k_scratch_prefix) || ::lstat(e.path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode) ||
        st.st_uid != ::geteuid() || (st.st_mode & 0777) != 0700) {
      continue;
    }
    const auto owner = read_in_progress(e.path());
    if (!owner || process::process_identity(owner->first) == owner->second) continue;  // not a drill's, or it still runs
    std::string what = fmt::format("removed {} (left by a drill that was killed)", e.path().string());
    const auto check = process::check_pid_file(e.path() / "data" / "bscbotd.pid");
    if (check.state == process::PidState::ours && check.pid) {
      if (const auto id = process::process_identity(*check.pid)) {
        process::stop_process(*check.pid, *id, std::chrono::milliseconds(10000), /*force=*/true);
        what += fmt::format(", after stopping its bscbotd (pid {})", *check.pid);
      }
    }
    fs::remove_all(e.path(), ec);
    done.push_back(what);
  }
  return done;
}

}  // namespace

bool DrillReport::ok() const {
  return !steps.empty() && std::all_of(steps.begin(), steps.end(), [](const DrillStep& s) { return s.ok; });
}

DrillReport run_drill(const config::Config& cfg, const DrillOptions& options, const Clock& clock) {
  DrillReport report;
  report.started_at = to_sql_datetime(clock.now());
  report.target = options.target;
  const auto t0 = std::chrono::steady_clock::now();
  auto lap = t0;
  bool failed = false;
  // Runs one step unless an earlier one failed; its exception becomes the step's failure.
  const auto step = [&](const std::string& name, const std::function<std::string()>& body) {
    std::string point = "drill." + name;
    for (char& c : point) c = c == ' ' ? '_' : c;
    crash_point(point);
    DrillStep s;
    s.name = name;
    if (failed) {
      s.skipped = true;
      s.detail = "not run: an earlier step failed";
    } else {
      try {
        s.detail = body();
        s.ok = true;
      } catch (const std::exception& e) {
        s.detail = e.what();
        failed = true;
      }
    }
    const auto now = std::chrono::steady_clock::now();
    s.took = std::chrono::duration_cast<std::chrono::milliseconds>(now - lap);
    lap = now;
    report.steps.push_back(std::move(s));
  };

  // The scratch folder is created up front so that a failure can be inspected with --keep. It
  // comes from mkdtemp: a fresh name nobody could guess, made by us alone (mode 700), so nothing
  // another user prepared (a pid file, a link) can be in it.
  fs::create_directories(options.scratch_root);
  report.cleared = clear_killed_drills(options.scratch_root);
  std::string scratch_template = (options.scratch_root / "bscbot-drill-XXXXXX").string();
  if (::mkdtemp(scratch_template.data()) == nullptr) {
    throw Error(ErrorKind::io, fmt::format("cannot create a scratch folder in {}: {}", options.scratch_root.string(), std::strerror(errno)));
  }
  const fs::path scratch = scratch_template;
  fs::create_directories(scratch / "data");
  write_in_progress(scratch);
  report.scratch = scratch;
  const fs::path database = scratch / "data" / "trading-bot.sqlite";
  std::optional<backup::Manifest> manifest;
  // PostgreSQL: the backup is a pg_dump archive, loaded into a scratch database on the same server.
  const bool on_pg = db::configured_backend(cfg) == db::Backend::pg;
  const backup::BackupFormat format = on_pg ? backup::BackupFormat::pg_dump : backup::BackupFormat::sqlite;
  std::optional<db::PgTarget> pg_scratch;

  step("select backup", [&] {
    if (options.backup) {
      if (!fs::exists(*options.backup)) throw Error(ErrorKind::not_found, fmt::format("backup {} does not exist", options.backup->string()));
      report.backup = *options.backup;
      return fmt::format("{} (given)", report.backup.string());
    }
    const auto catalog = backup::scan_catalog(cfg.path("BACKUP_DIR"));
    const auto newest = std::find_if(catalog.entries.begin(), catalog.entries.end(),
                                     [&](const backup::BackupEntry& e) { return e.good() && backup::format_of(e.path) == format; });
    if (newest == catalog.entries.end()) {
      throw Error(ErrorKind::not_found, fmt::format("no good {} backup in {}; run `bscbot backup` first", backup::to_string(format),
                                                    cfg.path("BACKUP_DIR").string()));
    }
    report.backup = newest->path;
    return fmt::format("{} (newest good backup, taken {})", report.backup.string(), to_sql_datetime(newest->taken_at));
  });
  if (!report.backup.empty()) {
    try {
      manifest = backup::read_manifest(report.backup);
    } catch (const Error&) {
      // verify reports a broken manifest below; the comparisons then use the verified facts.
    }
  }

  backup::RestoreResult restored;
  step("verify and restore", [&] {
    if (on_pg) {
      const backup::VerifyReport verified = backup::verify_pg_backup(report.backup, {});
      if (!verified.ok()) throw Error(ErrorKind::data, fmt::format("{} is not usable: {}", report.backup.string(), verified.problem()));
      const db::PgTarget server = db::pg_target(cfg);
      const std::string name = scratch_database_name(scratch);
      restored.migrations = backup::load_pg_backup(report.backup, server, name);
      pg_scratch = server.with_dbname(name);
      restored.schema_version = db::open_pg_store(*pg_scratch, db::Access::read_only)->schema_status().current;
      return fmt::format("{} verified (SHA-256 and pg_restore --list); loaded with pg_restore into the scratch database {}",
                         report.backup.string(), name);
    }
    backup::RestoreOptions ro;
    ro.candidates = {report.backup};
    ro.database = database;
    ro.busy_timeout_ms = static_cast<int>(cfg.integer("DB_BUSY_TIMEOUT_MS"));
    NoDaemon none;
    restored = backup::restore_backup(ro, none, clock);
    std::string detail;
    for (const auto& r : restored.steps) {
      if (r.step == backup::RestoreStep::verify || r.step == backup::RestoreStep::swap || r.step == backup::RestoreStep::check) {
        detail += (detail.empty() ? "" : "; ") + r.detail;
      }
    }
    return detail;
  });
  step("migrate", [&] {
    return restored.migrations.empty() ? fmt::format("schema {} is current", restored.schema_version)
                                       : fmt::format("applied {}", fmt::join(restored.migrations, ", "));
  });

  config::Config scratch_cfg = cfg;
  const int port = free_loopback_port();
  const auto settings = scratch_settings(scratch, port, pg_scratch);
  const config::Source drill_source{config::Source::Kind::command_line, {}};
  for (const auto& [k, v] : settings) scratch_cfg.set(k, v, drill_source);
  process::DaemonOptions dopts;
  dopts.bscbotd = options.bscbotd;
  dopts.env_overrides = settings;
  const process::DaemonControl daemon(scratch_cfg, dopts);
  // The daemon the drill started, by pid and identity: the stop step signals that process and
  // no other, whatever the pid file in the scratch folder says by then.
  std::optional<std::pair<pid_t, process::ProcessIdentity>> started;

  step("start bscbotd", [&] {
    const pid_t pid = daemon.start(options.start_timeout);
    const auto identity = process::process_identity(pid);
    if (!identity) throw Error(ErrorKind::unavailable, fmt::format("bscbotd (pid {}) exited right after it answered", pid));
    started.emplace(pid, *identity);
    return fmt::format("pid {} on {}", pid, daemon.base_url());
  });
  step("health", [&] {
    const auto probe = daemon.probe(std::chrono::milliseconds(5000));
    if (!probe.healthy()) {
      throw Error(ErrorKind::unavailable, fmt::format("/api/health answered {}: {}", probe.http_status,
                                                      probe.body.is_null() ? probe.error : probe.body.dump()));
    }
    report.recovery = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    return fmt::format("/api/health 200 in {:.1f} ms, database {}", static_cast<double>(probe.elapsed.count()) / 1000.0,
                       probe.body["database"].value("state", "?"));
  });

  // The restored data as the scratch bscbotd serves it, through the same store as production.
  std::unique_ptr<db::Store> store;
  step("integrity", [&] {
    store = pg_scratch ? db::open_pg_store(*pg_scratch, db::Access::read_only) : db::open_store_at(cfg, database.string(), db::Access::read_only);
    const std::string result = store->check_integrity(db::CheckDepth::full);
    if (result != "ok") throw Error(ErrorKind::data, "integrity check: " + result);
    return std::string(on_pg ? "every row of every table read back: ok" : "PRAGMA integrity_check: ok");
  });
  db::DatabaseStats stats;
  step("row counts", [&] {
    stats = store->stats();
    std::string detail;
    for (const auto& t : stats.tables) {
      if (manifest) {
        const auto it = manifest->tables.find(t.name);
        if (it != manifest->tables.end() && it->second != t.rows) {
          throw Error(ErrorKind::data, fmt::format("{} has {} rows, the backup's manifest says {}", t.name, t.rows, it->second));
        }
      }
      detail += fmt::format("{}{} {}", detail.empty() ? "" : ", ", t.name, t.rows);
    }
    return detail + (manifest ? " (equal to the manifest)" : " (no manifest to compare with)");
  });
  step("newest trade", [&] {
    const std::string newest = stats.newest_trade ? to_sql_datetime(*stats.newest_trade) : "none";
    // Compared as instants: the manifest may hold SQLite's text of the same time.
    const auto recorded = manifest && manifest->newest_trade ? std::optional<SystemTime>(parse_sql_datetime(*manifest->newest_trade)) : std::nullopt;
    if (manifest && recorded != stats.newest_trade) {
      throw Error(ErrorKind::data, fmt::format("newest trade {} but the manifest says {}", newest, manifest->newest_trade.value_or("none")));
    }
    return newest + (manifest ? " (equal to the manifest)" : "");
  });
  store.reset();

  // Stopping and cleaning up run even after a failure: the drill leaves nothing running.
  const bool failed_before_cleanup = failed;
  failed = false;
  bool daemon_gone = true;
  step("stop bscbotd", [&] {
    if (!started) return std::string("was not started");
    daemon_gone = false;
    const auto& [pid, identity] = *started;
    const auto check = process::check_pid_file(scratch_cfg.pid_file());
    const bool pid_file_intact = check.state == process::PidState::ours && check.pid == pid;
    process::stop_process(pid, identity, std::chrono::milliseconds(30000), /*force=*/true);
    daemon_gone = true;
    if (!pid_file_intact) {
      // Someone wrote into the drill's folder while it ran: the drill must not pass.
      throw Error(ErrorKind::data, fmt::format("stopped the drill's bscbotd (pid {}) and signalled nothing else, but its pid file {} no "
                                               "longer names it ({}): something wrote into the scratch folder",
                                               pid, scratch_cfg.pid_file().string(),
                                               check.detail.empty() ? std::string("the file is gone") : check.detail));
    }
    return fmt::format("stopped pid {}", pid);
  });
  // The folder is removed once its daemon is gone, even when stopping it found a problem.
  if (daemon_gone) failed = false;
  step("clean up", [&] {
    const std::string db_note = pg_scratch ? fmt::format(" and the scratch database {}", pg_scratch->dbname) : std::string();
    if (options.keep == Keep::yes) {
      report.kept = true;
      fs::remove(scratch / k_in_progress);
      return fmt::format("kept {}{}", scratch.string(), db_note);
    }
    if (pg_scratch) {
      db::PgServerAdmin admin(*pg_scratch);
      admin.end_sessions(pg_scratch->dbname);
      admin.drop(pg_scratch->dbname);
    }
    fs::remove_all(scratch);
    return fmt::format("removed {}{}", scratch.string(), db_note);
  });
  failed = failed || failed_before_cleanup;
  crash_point("drill.done");
  report.total = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  return report;
}

std::string to_markdown(const DrillReport& r) {
  std::string out = fmt::format("# Disaster Recovery Drill: {}\n\n", r.ok() ? "PASSED" : "FAILED");
  out += fmt::format("- **Date**: {} UTC\n", r.started_at);
  out += fmt::format("- **Backup**: {}\n", r.backup.empty() ? "none" : r.backup.string());
  if (r.ok()) {
    out += fmt::format("- **Recovery time**: {} (target {} min): {}\n", ms(r.recovery), r.target.count(),
                       r.within_target() ? "within target" : "OVER TARGET");
  } else {
    out += fmt::format("- **Recovery time**: not reached (target {} min)\n", r.target.count());
  }
  out += fmt::format("- **Total drill time**: {}\n", ms(r.total));
  out += fmt::format("- **Scratch folder**: {}\n", r.kept ? "kept at " + r.scratch.string() : "removed");
  for (const auto& c : r.cleared) out += fmt::format("- **Before the drill**: {}\n", c);
  out += "\n";
  out += "| Step | Result | Duration | Detail |\n|---|---|---|---|\n";
  for (const auto& s : r.steps) {
    std::string detail = s.detail;
    for (char& c : detail) {
      if (c == '|') c = '/';
      if (c == '\n') c = ' ';
    }
    out += fmt::format("| {} | {} | {} | {} |\n", s.name, s.skipped ? "skipped" : s.ok ? "ok" : "**FAILED**", ms(s.took), detail);
  }
  return out;
}

}  // namespace bscbot::core::drill
