#include "core/drill/drill.hpp"

#include <fmt/format.h>
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
#include "core/backup/config_restore.hpp"
#include "core/backup/manifest.hpp"
#include "core/backup/recovery.hpp"
#include "core/db/maintenance.hpp"
#include "core/db/pg_tools.hpp"
#include "core/db/store.hpp"
#include "core/drill/sandbox.hpp"
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

fs::path choose_config_archive(const config::Config& cfg, const std::optional<fs::path>& given) {
  if (!given) return backup::chosen_config_archive(cfg.path("BACKUP_DIR"), "", /*latest=*/true);
  if (!fs::exists(*given)) {
    throw Error(ErrorKind::not_found, fmt::format("config archive {} does not exist; take one with `bscbot backup config`", given->string()));
  }
  return *given;
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

  // A full drill rehearses the config archive too: without one there is nothing to rehearse, and
  // that is said before anything is made.
  if (options.full == Full::yes) {
    report.full = true;
    report.config_archive = choose_config_archive(cfg, options.config_archive);
  }

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
  std::optional<backup::Manifest> manifest;

  // The scratch deployment's configuration: production's (plain drill) or the config archive's
  // (full drill), with every path and the port moved into the scratch folder and, on PostgreSQL,
  // the database into a scratch database on the same server.
  const int port = free_loopback_port();
  config::Config scratch_cfg = cfg;
  std::map<std::string, std::string> settings;
  std::optional<db::PgTarget> pg_scratch;
  const auto move_into_scratch = [&](const config::Config& from) {
    pg_scratch.reset();
    if (db::configured_backend(from) == db::Backend::pg) pg_scratch = db::pg_target(from).with_dbname(scratch_database_name(scratch));
    settings = scratch_settings(scratch, port, pg_scratch);
  };
  // Production's, moved; a full drill replaces it with the archive's below.
  move_into_scratch(cfg);
  const config::Source drill_source{config::Source::Kind::command_line, {}};
  for (const auto& [k, v] : settings) scratch_cfg.set(k, v, drill_source);
  SandboxConfig sandbox;
  if (options.full == Full::yes) {
    step("config", [&] {
      sandbox = unpack_config_archive(report.config_archive, scratch, clock.now());
      const auto environment = config::process_environment();
      move_into_scratch(load_sandbox_config(sandbox, report.config_archive, environment, {}));
      point_dotenv_at(sandbox.dotenv, settings);
      scratch_cfg = load_sandbox_config(sandbox, report.config_archive, environment, settings);
      return fmt::format("{}; .env checked and pointed at {} and 127.0.0.1:{}", sandbox.detail,
                         pg_scratch ? "the scratch database " + pg_scratch->dbname : scratch_cfg.db_path().string(), port);
    });
  }

  step("select backup", [&] {
    if (options.backup) {
      if (!fs::exists(*options.backup)) throw Error(ErrorKind::not_found, fmt::format("backup {} does not exist", options.backup->string()));
      report.backup = *options.backup;
      return fmt::format("{} (given)", report.backup.string());
    }
    // Production's backups, in the format of the backend the scratch deployment runs on.
    const backup::BackupFormat format = backup::backup_format_for(scratch_cfg);
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

  // The restore `bscbot recover` runs, into the scratch database, with no daemon to stop there.
  backup::RestoreResult restored;
  step("verify and restore", [&] {
    NoDaemon none;
    restored = backup::restore_database(scratch_cfg, {report.backup}, none, clock);
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

  // The daemon the drill started, by pid and identity: the stop step signals that process and
  // no other, whatever the pid file in the scratch folder says by then.
  std::optional<process::DaemonControl> daemon;
  std::optional<std::pair<pid_t, process::ProcessIdentity>> started;

  step("start bscbotd", [&] {
    process::DaemonOptions dopts;
    dopts.bscbotd = options.bscbotd;
    dopts.env_overrides = settings;
    if (options.full == Full::yes) {
      // In the scratch deployment, on its restored bscbot.yaml and .env; production's BSCBOT_CONFIG
      // must not reach it.
      dopts.working_dir = scratch;
      dopts.config_file = sandbox.config_file;
      dopts.env_overrides["BSCBOT_CONFIG"] = sandbox.config_file.string();
    }
    daemon.emplace(scratch_cfg, dopts);
    const pid_t pid = daemon->start(options.start_timeout);
    const auto identity = process::process_identity(pid);
    if (!identity) throw Error(ErrorKind::unavailable, fmt::format("bscbotd (pid {}) exited right after it answered", pid));
    started.emplace(pid, *identity);
    return fmt::format("pid {} on {}", pid, daemon->base_url());
  });
  step("health", [&] {
    const auto probe = daemon->probe(std::chrono::milliseconds(5000));
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
    store = pg_scratch ? db::open_pg_store(*pg_scratch, db::Access::read_only)
                       : db::open_store_at(scratch_cfg, scratch_cfg.db_path().string(), db::Access::read_only);
    const std::string result = store->check_integrity(db::CheckDepth::full);
    if (result != "ok") throw Error(ErrorKind::data, "integrity check: " + result);
    return std::string(pg_scratch ? "every row of every table read back: ok" : "PRAGMA integrity_check: ok");
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
    fs::remove_all(scratch);
    if (pg_scratch) {
      // The scratch database, and the copy a failed restore keeps under its _restoring_ name.
      db::PgServerAdmin admin(*pg_scratch);
      for (const std::string& name : admin.names_starting(pg_scratch->dbname)) {
        admin.end_sessions(name);
        admin.drop(name);
      }
    }
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
  if (r.full) {
    out += "- **Kind**: full recovery (config archive and database, as `bscbot recover`)\n";
    out += fmt::format("- **Config archive**: {}\n", r.config_archive.string());
  }
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
