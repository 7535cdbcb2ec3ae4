// The crash-consistency harness of issue 13, after Bitcoin Core's feature_init: each long
// command runs once to learn its steps (BSCBOT_TEST_CRASH_LOG), then once per step killed there
// with SIGKILL (BSCBOT_TEST_CRASH_AT), in a fresh deployment prepared the same way. After each
// kill: the live database passes integrity_check and is the old or the new one; every backup
// listed good verifies; the next run of the same command succeeds, leaves the new database and
// nothing behind (temp files, a restore journal, orphan manifests, drill scratch folders, a
// drill's daemon), and a daemon that ran before runs again.
//
// The suite kills each command at every named step once (the quick form). BSCBOT_CRASH_SWEEP=full
// (scripts/crash-sweep) kills at every occurrence of every step, in more variants (compressed
// backups, a restore without a daemon, a daemon killed while restore restarts it), and
// BSCBOT_CRASH_REPORT=FILE lists every kill and its outcome.
#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "core/db/migrations.hpp"
#include "core/db/sqlite/sqlite_store.hpp"
#include "core/process/pid_file.hpp"
#include "tests/support/deployment.hpp"
#include "tests/support/postgres.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bscbot;

namespace {

bool full_sweep() {
  const char* v = std::getenv("BSCBOT_CRASH_SWEEP");
  return v && std::string(v) == "full";
}

void report(const std::string& scenario, const std::string& step, const std::string& outcome) {
  const char* path = std::getenv("BSCBOT_CRASH_REPORT");
  if (!path) return;
  std::ofstream(path, std::ios::app) << scenario << "\t" << step << "\t" << outcome << "\n";
}

constexpr const char* k_none = "no database";

std::string digest_or_none(const test::Deployment& d) { return fs::exists(d.db()) ? d.trades_digest() : k_none; }

// Why a scenario's database may differ from "old or new" after a kill.
using DatabaseCheck = std::function<void(const test::Deployment&, const std::string& old_digest, const std::string& new_digest)>;

struct Scenario {
  std::string name;
  std::string now = "2026-11-25 02:00:00";
  test::Init init = test::Init::yes;
  std::function<void(test::Deployment&)> prepare = [](test::Deployment&) {};
  std::vector<std::string> command;        // bscbot arguments; empty: bscbotd itself in the foreground
  std::vector<std::string> own;            // crash point prefixes of this command (the quick form kills only there)
  std::vector<std::string> required;       // steps the learning run must pass: the harness's own coverage check
  bool daemon_runs = false;                // prepare started bscbotd: it must run again after the rerun
  DatabaseCheck database;                  // default: the old or the new database
  std::function<void(const test::Deployment&)> after_kill = [](const test::Deployment&) {};
  std::function<void(const test::Deployment&)> after_rerun = [](const test::Deployment&) {};
  // Syscalls at whose every occurrence the full sweep also kills the command (strace -e inject),
  // between the named steps: each rename, unlink and fsync.
  std::vector<std::string> syscalls;
};

bool owned(const Scenario& sc, const std::string& step) {
  return std::any_of(sc.own.begin(), sc.own.end(), [&](const std::string& p) { return step.rfind(p, 0) == 0; });
}

// bscbotd in the foreground: until it is healthy, then SIGTERM (for the learning run), or
// until it dies at its crash point.
test::RunResult run_daemon_once(const test::Deployment& d, const std::map<std::string, std::string>& extra, bool until_healthy) {
  std::map<std::string, std::string> env = d.env;
  for (const auto& [k, v] : extra) env[k] = v;
  if (!until_healthy) return test::run(test::bscbotd_exe(), {}, d.dir(), env, std::chrono::seconds(60));
  test::Daemon daemon(d.dir(), env);
  daemon.start();
  test::RunResult r;
  r.exit_code = daemon.stop();
  return r;
}

test::RunResult run_command(const Scenario& sc, const test::Deployment& d, const std::map<std::string, std::string>& extra, bool learning) {
  return sc.command.empty() ? run_daemon_once(d, extra, learning) : d.bscbot(sc.command, extra);
}

// Every backup `backup list` calls good verifies in full.
void check_good_backups_verify(const test::Deployment& d) {
  if (!fs::exists(d / "backups")) return;
  const auto list = d.bscbot({"--json", "backup", "list"});
  REQUIRE_MESSAGE(list.exit_code == 0, list.err);
  // Named: a range-for over a member of a temporary reads freed memory (ASan found it).
  const json listed = json::parse(list.out);
  for (const auto& b : listed["backups"]) {
    if (!b["good"].get<bool>()) continue;
    const auto v = d.bscbot({"backup", "verify", b["path"].get<std::string>()});
    CHECK_MESSAGE(v.exit_code == 0, "listed good but does not verify: " << b["path"] << ": " << v.out);
  }
}

void check_kill_and_rerun(const Scenario& sc, const test::Deployment& d, const std::string& old_digest, const std::string& new_digest);

void run_scenario(const Scenario& sc) {
  const std::string slug = [&] {
    std::string s = "crash-" + sc.name;
    for (char& c : s) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
    return s;
  }();
  // 1. One clean run learns the steps and the new database.
  std::vector<std::string> steps;
  std::string old_digest, new_digest;
  {
    test::Deployment learn(slug + "-learn", sc.now, sc.init);
    sc.prepare(learn);
    old_digest = digest_or_none(learn);
    const fs::path log = learn / "crash-steps.log";
    const auto r = run_command(sc, learn, {{"BSCBOT_TEST_CRASH_LOG", log.string()}}, /*learning=*/true);
    REQUIRE_MESSAGE(r.exit_code == 0, sc.name << ": " << r.err);
    new_digest = digest_or_none(learn);
    steps = test::read_crash_log(log);
  }
  for (const std::string& required : sc.required) {
    CHECK_MESSAGE(std::find(steps.begin(), steps.end(), required) != steps.end(), sc.name << " never passed " << required);
  }
  std::vector<std::string> chosen;
  std::set<std::string> names;
  for (const std::string& s : steps) {
    const bool first = s.find('#') == std::string::npos;
    if (full_sweep() || (first && owned(sc, s))) {
      if (names.insert(s).second) chosen.push_back(s);
    }
  }
  REQUIRE_MESSAGE(!chosen.empty(), sc.name << ": no crash points passed");
  MESSAGE(sc.name << ": killing at " << chosen.size() << " of " << steps.size() << " points passed");

  // 2. Killed at each step, then run again.
  for (const std::string& step : chosen) {
    INFO(sc.name << ", killed at " << step);
    test::Deployment d(slug, sc.now, sc.init);
    sc.prepare(d);
    REQUIRE(digest_or_none(d) == old_digest);
    const auto killed = run_command(sc, d, test::crash_at(step), /*learning=*/false);
    // A point of this command kills it; one of a child (the bscbotd a restore or drill starts)
    // kills the child, and the command copes as it can.
    if (owned(sc, step)) CHECK_MESSAGE(killed.exit_code == test::k_killed, killed.err);
    check_kill_and_rerun(sc, d, old_digest, new_digest);
    report(sc.name, step, killed.exit_code == test::k_killed ? "killed; rerun ok" : fmt::format("exit {}; rerun ok", killed.exit_code));
  }

  // 3. The full sweep also kills at every listed syscall, wherever it falls between the steps.
  if (!full_sweep() || sc.syscalls.empty() || sc.command.empty()) return;
  if (test::shell("command -v strace", ".").exit_code != 0) {
    MESSAGE(sc.name << ": syscall kills skipped: strace is not installed (scripts/install-deps installs it)");
    return;
  }
  std::string traced;
  for (const auto& name : sc.syscalls) traced += (traced.empty() ? "" : ",") + name;
  for (int n = 1; n < 500; ++n) {
    INFO(sc.name << ", killed at syscall " << n << " of " << traced);
    test::Deployment d(slug, sc.now, sc.init);
    sc.prepare(d);
    std::vector<std::string> args = {"-o", "/dev/null", "-e", "trace=" + traced, "-e", fmt::format("inject={}:signal=KILL:when={}", traced, n),
                                     "--", test::bscbot_exe().string(), "--now", d.now};
    args.insert(args.end(), sc.command.begin(), sc.command.end());
    std::map<std::string, std::string> env = d.env;
    env["BSCBOT_TEST_CLOCK"] = "1";
    const auto killed = test::run("strace", args, d.dir(), env);
    if (killed.exit_code != test::k_killed) {
      // Fewer than n such syscalls: the command ran to its end.
      CHECK_MESSAGE(killed.exit_code == 0, killed.err);
      report(sc.name, fmt::format("syscall {} of {}", n, traced), "not reached: the command finished");
      break;
    }
    check_kill_and_rerun(sc, d, old_digest, new_digest);
    report(sc.name, fmt::format("syscall {} of {}", n, traced), "killed; rerun ok");
  }
}

void check_kill_and_rerun(const Scenario& sc, const test::Deployment& d, const std::string& old_digest, const std::string& new_digest) {
  if (sc.database) {
    sc.database(d, old_digest, new_digest);
  } else if (fs::exists(d.db())) {
    CHECK(d.integrity() == "ok");
    const std::string now_digest = d.trades_digest();
    CHECK_MESSAGE((now_digest == old_digest || now_digest == new_digest), "the live database is neither the old nor the new one");
  }
  check_good_backups_verify(d);
  sc.after_kill(d);

  if (sc.command.empty()) {
    // bscbotd's next start is `bscbot daemon start`, as an operator (or systemd) does it.
    const auto started = d.bscbot({"daemon", "start"});
    CHECK_MESSAGE(started.exit_code == 0, started.err);
    CHECK(d.bscbot({"daemon", "status"}).exit_code == 0);
    d.bscbot_ok({"daemon", "stop"});
    CHECK_FALSE(fs::exists(d / "data/bscbotd.pid"));
  } else {
    const auto rerun = d.bscbot(sc.command);
    CHECK_MESSAGE(rerun.exit_code == 0, rerun.err);
  }
  CHECK(digest_or_none(d) == new_digest);
  if (fs::exists(d.db())) CHECK(d.integrity() == "ok");
  check_good_backups_verify(d);
  if (sc.daemon_runs) CHECK(d.bscbot({"daemon", "status"}).exit_code == 0);
  sc.after_rerun(d);
  const auto left = d.leftovers();
  CHECK_MESSAGE(left.empty(), "left behind: " << fmt::format("{}", fmt::join(left, ", ")));
}

// A database at schema 1 only, with trades: what `db migrate` and bscbotd's AUTO_MIGRATE meet.
void make_old_schema(test::Deployment& d) {
  fs::remove(d.db());
  core::db::sqlite::open_sqlite_store(d.db(), core::db::Access::create, 5000, {})->migrate(core::db::known_migrations().first(1));
  d.add_trades(50);
}

std::int64_t schema_of(const test::Deployment& d) {
  SQLite::Database db(d.db().string(), SQLite::OPEN_READONLY);
  return db.execAndGet("SELECT COUNT(*) FROM knex_migrations").getInt64();
}

const std::vector<std::string> k_backup_steps = {
    "backup.locked",          "backup.reclaimed",      "backup.copying",          "backup.copied",
    "backup.checked",         "backup.manifest_written", "backup.committed",      "backup.tier_old_removed",
    "backup.tier_manifest_written", "backup.tier_temp_linked", "backup.tier_linked", "backup.latest_temp_linked",
    "backup.latest_updated"};

// On a Sunday the 1st, after a first backup that day: the daily is new, the week's and the
// month's are replaced.
Scenario backup_scenario(const std::string& name, std::vector<std::string> extra_args) {
  Scenario sc;
  sc.name = name;
  sc.now = "2026-11-01 02:00:00";
  sc.prepare = [extra_args](test::Deployment& d) {
    d.add_trades(300);
    d.now = "2026-11-01 01:00:00";
    std::vector<std::string> args = {"backup"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    d.bscbot_ok(args);
    d.add_trades(1);  // the second backup differs from the first
    d.now = "2026-11-01 02:00:00";
  };
  sc.command = {"backup"};
  sc.command.insert(sc.command.end(), extra_args.begin(), extra_args.end());
  sc.own = {"backup."};
  sc.required = k_backup_steps;
  sc.syscalls = {"rename", "renameat2", "link", "unlink", "fsync"};
  sc.after_kill = [](const test::Deployment& d) {
    // The 01:00 backup at least is still good; --latest finds a good one.
    CHECK(d.bscbot({"backup", "verify", "--latest"}).exit_code == 0);
  };
  sc.after_rerun = [](const test::Deployment& d) {
    const json list = json::parse(d.bscbot_ok({"--json", "backup", "list"}));
    std::set<std::string> tiers;
    for (const auto& b : list["backups"]) {
      CHECK_MESSAGE(b["good"].get<bool>(), b.dump());
      tiers.insert(b["tier"].get<std::string>());
    }
    CHECK(tiers == std::set<std::string>{"daily", "weekly", "monthly"});
  };
  return sc;
}

Scenario restore_scenario(const std::string& name, bool daemon, std::vector<std::string> backup_args) {
  Scenario sc;
  sc.name = name;
  sc.prepare = [daemon, backup_args](test::Deployment& d) {
    d.add_trades(200);
    std::vector<std::string> args = {"backup"};
    args.insert(args.end(), backup_args.begin(), backup_args.end());
    d.bscbot_ok(args);
    d.add_trades(7);  // the live database moves on: the restore goes back to the backup
    if (daemon) d.bscbot_ok({"daemon", "start"});
  };
  sc.command = {"restore", "--latest", "--yes"};
  sc.own = {"restore."};
  sc.required = {"restore.verified", "restore.prepared", "restore.journal_written", "restore.daemon_stopped",
                 "restore.pre_restore_copying", "restore.pre_restore_copied", "restore.swapped", "restore.checked", "restore.done"};
  if (daemon) sc.required.push_back("restore.daemon_started");
  sc.daemon_runs = daemon;
  sc.syscalls = {"rename", "renameat2", "unlink", "fsync"};
  return sc;
}

}  // namespace

TEST_SUITE("crash") {

TEST_CASE("crash: backup killed at every step, on a Sunday the 1st that already has a backup") {
  run_scenario(backup_scenario("backup", {}));
  if (full_sweep()) {
    run_scenario(backup_scenario("backup zstd", {"--compress", "zstd"}));
    run_scenario(backup_scenario("backup gzip full check", {"--compress", "gzip", "--check", "full"}));
  }
}

TEST_CASE("crash: backup prune killed at every step") {
  Scenario sc;
  sc.name = "backup prune";
  sc.prepare = [](test::Deployment& d) {
    d.add_trades(100);
    for (const char* at : {"2026-10-10 02:00:00", "2026-10-12 02:00:00", "2026-10-14 02:00:00", "2026-11-24 02:00:00"}) {
      d.now = at;
      d.bscbot_ok({"backup"});
    }
    d.now = "2026-11-25 02:00:00";
  };
  sc.command = {"backup", "prune"};
  sc.own = {"prune."};
  sc.required = {"prune.locked", "prune.backup_removed", "prune.manifest_removed", "prune.done"};
  sc.after_rerun = [](const test::Deployment& d) {
    const json list = json::parse(d.bscbot_ok({"--json", "backup", "list"}));
    std::set<std::string> files;
    for (const auto& b : list["backups"]) files.insert(fs::path(b["path"].get<std::string>()).filename().string());
    // Past 30 days: gone; the 1st of October was never taken; the newest is kept.
    CHECK(files == std::set<std::string>{"db_20261124_020000.sqlite"});
  };
  run_scenario(sc);
}

TEST_CASE("crash: restore killed at every step, with bscbotd running") {
  run_scenario(restore_scenario("restore with daemon", /*daemon=*/true, {}));
  if (full_sweep()) {
    run_scenario(restore_scenario("restore without daemon", /*daemon=*/false, {}));
    Scenario sc = restore_scenario("restore zstd, and bscbotd killed while restore restarts it", /*daemon=*/true, {"--compress", "zstd"});
    run_scenario(sc);
  }
}

TEST_CASE("crash: drill killed at every step leaves no scratch folder and no daemon for the next drill") {
  Scenario sc;
  sc.name = "drill";
  sc.prepare = [](test::Deployment& d) {
    d.add_trades(100);
    d.bscbot_ok({"backup"});
  };
  sc.command = {"drill", "--scratch", "drill-scratch"};
  sc.own = {"drill."};
  sc.required = {"drill.select_backup", "drill.verify_and_restore", "drill.migrate", "drill.start_bscbotd", "drill.health",
                 "drill.integrity", "drill.row_counts", "drill.newest_trade", "drill.stop_bscbotd", "drill.clean_up", "drill.done"};
  auto orphans = std::make_shared<std::vector<pid_t>>();
  sc.after_kill = [orphans](const test::Deployment& d) {
    orphans->clear();
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(d / "drill-scratch", ec)) {
      if (const auto pid = core::process::read_pid_file(e.path() / "data/bscbotd.pid")) orphans->push_back(*pid);
    }
  };
  sc.after_rerun = [orphans](const test::Deployment&) {
    for (pid_t pid : *orphans) CHECK_MESSAGE(!core::process::is_running_program(pid, "bscbotd"), "the killed drill's bscbotd " << pid << " still runs");
  };
  run_scenario(sc);
}

TEST_CASE("crash: db migrate killed at every step") {
  Scenario sc;
  sc.name = "db migrate";
  sc.prepare = make_old_schema;
  sc.command = {"db", "migrate"};
  sc.own = {"migrate."};
  sc.required = {"migrate.uncommitted", "migrate.committed"};
  sc.after_kill = [](const test::Deployment& d) { CHECK(schema_of(d) >= 1); };
  sc.after_rerun = [](const test::Deployment& d) { CHECK(schema_of(d) == core::db::latest_schema_version()); };
  run_scenario(sc);
}

TEST_CASE("crash: db cleanup killed at every step deletes only expired trades, and the rerun finishes") {
  Scenario sc;
  sc.name = "db cleanup";
  sc.prepare = [](test::Deployment& d) {
    d.add_trades(12000, "completed", "2026-08-01 12:00:00");  // three batches of 5000
    d.add_trades(5, "pending", "2026-08-01 12:00:00");
    d.add_trades(40);
  };
  sc.command = {"db", "cleanup", "--older-than", "90d"};
  sc.own = {"cleanup."};
  sc.required = {"cleanup.batch_uncommitted", "cleanup.batch_committed"};
  // Cleanup deletes in batches of 5000 (each one transaction, so the daemon never waits long for
  // the write lock): after a kill some expired trades may be gone, never another one.
  sc.database = [](const test::Deployment& d, const std::string&, const std::string&) {
    CHECK(d.integrity() == "ok");
    SQLite::Database db(d.db().string(), SQLite::OPEN_READONLY);
    CHECK(db.execAndGet("SELECT COUNT(*) FROM trades WHERE created_at >= '2026-08-27' OR status = 'pending'").getInt64() == 45);
    const std::int64_t left = db.execAndGet("SELECT COUNT(*) FROM trades").getInt64();
    CHECK_MESSAGE((left == 12045 || left == 7045 || left == 2045 || left == 45), left << " trades: not a whole number of batches");
  };
  run_scenario(sc);
}

// `bscbot db copy` killed at every step: the target untouched (its rows as they were) or
// complete and proved; the rerun finishes it, or finds it complete and says so.
std::string copy_target_digest(const test::Deployment& d, const fs::path& target) {
  return fs::exists(d / target.string()) ? test::trades_digest(d / target.string()) : k_none;
}

void check_copy_proved(const test::Deployment& d, const std::vector<std::string>& copy) {
  std::vector<std::string> args = {"--json"};
  args.insert(args.end(), copy.begin(), copy.end());
  const json doc = json::parse(d.bscbot_ok(args));
  CHECK(doc["already_copied"] == true);
  CHECK(doc["ok"] == true);
  for (const auto& t : doc["tables"]) CHECK_MESSAGE(t["source_checksum"] == t["target_checksum"], t.dump());
}

TEST_CASE("crash: db copy killed at every step leaves its target untouched or complete and proved") {
  const std::vector<std::string> copy_steps = {"copy.migrated", "copy.verified", "copy.committed"};
  // Into a new SQLite file: built under a temp name, so a killed copy leaves no file at all.
  {
    Scenario sc;
    sc.name = "db copy to a new file";
    sc.prepare = [](test::Deployment& d) { d.add_trades(300); };
    sc.command = {"db", "copy", "--to", "data/copy.sqlite"};
    sc.own = {"copy.", "create.", "migrate."};
    sc.required = copy_steps;
    for (const char* s : {"create.opened", "create.migrated", "create.placed"}) sc.required.push_back(s);
    sc.after_kill = [](const test::Deployment& d) {
      const std::string target = copy_target_digest(d, "data/copy.sqlite");
      CHECK_MESSAGE((target == k_none || target == d.trades_digest()), "a half-made target file");
    };
    sc.after_rerun = [sc](const test::Deployment& d) {
      CHECK(copy_target_digest(d, "data/copy.sqlite") == d.trades_digest());
      check_copy_proved(d, sc.command);
    };
    run_scenario(sc);
  }
  // With --force over an existing file that holds other rows: the old rows or the new copy.
  {
    Scenario sc;
    sc.name = "db copy --force over a file";
    auto before = std::make_shared<std::string>();
    sc.prepare = [before](test::Deployment& d) {
      d.add_trades(100);
      d.bscbot_ok({"db", "copy", "--to", "data/copy.sqlite"});
      *before = copy_target_digest(d, "data/copy.sqlite");
      d.add_trades(60);
    };
    sc.command = {"db", "copy", "--to", "data/copy.sqlite", "--force"};
    sc.own = {"copy."};
    sc.required = copy_steps;
    sc.after_kill = [before](const test::Deployment& d) {
      const std::string target = copy_target_digest(d, "data/copy.sqlite");
      CHECK_MESSAGE((target == *before || target == d.trades_digest()), "the target is neither its old rows nor the copy");
    };
    sc.after_rerun = [](const test::Deployment& d) { CHECK(copy_target_digest(d, "data/copy.sqlite") == d.trades_digest()); };
    run_scenario(sc);
  }
  // Into PostgreSQL: one transaction, so the target holds no trade or every one.
  {
    auto& server = test::PgServer::shared();
    const std::string url = server.create_database("crash-copy");
    const std::string name = url.substr(url.rfind('/') + 1);
    const auto target_trades = [&server, url]() -> std::string {
      if (server.psql(url, "SELECT to_regclass('public.trades') IS NULL") == "t") return "no table";
      return server.psql(url, "SELECT COUNT(*) || ' ' || COALESCE(SUM(id), 0) FROM trades");
    };
    const auto source_trades = [](const test::Deployment& d) {
      SQLite::Database db(d.db().string(), SQLite::OPEN_READONLY);
      return db.execAndGet("SELECT COUNT(*) || ' ' || COALESCE(SUM(id), 0) FROM trades").getString();
    };
    Scenario sc;
    sc.name = "db copy to PostgreSQL";
    sc.prepare = [&server, name](test::Deployment& d) {
      // The same database each time, emptied: what the last attempt left is not this one's.
      server.psql(server.superuser_url(name), "DROP SCHEMA public CASCADE; CREATE SCHEMA public AUTHORIZATION bscbot");
      d.add_trades(300);
    };
    sc.command = {"db", "copy", "--to", url};
    sc.own = {"copy.", "migrate."};
    sc.required = copy_steps;
    sc.after_kill = [target_trades, source_trades](const test::Deployment& d) {
      const std::string target = target_trades();
      CHECK_MESSAGE((target == "no table" || target == "0 0" || target == source_trades(d)), "the target holds part of a copy: " << target);
    };
    sc.after_rerun = [sc, target_trades, source_trades](const test::Deployment& d) {
      CHECK(target_trades() == source_trades(d));
      check_copy_proved(d, sc.command);
    };
    run_scenario(sc);
  }
}

TEST_CASE("crash: init killed at every step leaves no half-made database, and the rerun completes it") {
  Scenario sc;
  sc.name = "init";
  sc.init = test::Init::no;
  sc.command = {"init"};
  sc.own = {"init.", "create.", "migrate."};
  sc.required = {"init.config_written", "init.env_written", "init.folder_created", "create.opened", "migrate.uncommitted",
                 "migrate.committed", "create.migrated", "create.placed"};
  sc.database = [](const test::Deployment& d, const std::string&, const std::string&) {
    // No database, or a whole one.
    if (fs::exists(d.db())) {
      CHECK(d.integrity() == "ok");
      CHECK(schema_of(d) == core::db::latest_schema_version());
    }
  };
  sc.after_rerun = [](const test::Deployment& d) {
    CHECK(schema_of(d) == core::db::latest_schema_version());
    struct stat st {};
    REQUIRE(::stat((d / ".env").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
  };
  run_scenario(sc);
}

TEST_CASE("crash: logs archive killed at every step loses no log and archives none twice") {
  Scenario sc;
  sc.name = "logs archive";
  const std::vector<std::pair<std::string, std::string>> logs = {{"api-server1.log", "old line one\n"}, {"api-server2.log", "old line two\n"}};
  sc.prepare = [logs](test::Deployment& d) {
    for (const auto& [name, content] : logs) {
      std::ofstream(d / ("logs/" + name)) << content;
      test::set_mtime(d / ("logs/" + name), "2026-10-01 00:00:00");
    }
  };
  sc.command = {"logs", "archive"};
  sc.own = {"logs_archive."};
  sc.required = {"logs_archive.written", "logs_archive.placed", "logs_archive.deleted"};
  // Each old log, counted where it is: in place or in an archive.
  const auto copies = [logs](const test::Deployment& d) {
    std::map<std::string, int> count;
    for (const auto& [name, content] : logs) {
      if (fs::exists(d / ("logs/" + name)) && test::read_text(d / ("logs/" + name)) == content) ++count[name];
    }
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(d / "logs", ec)) {
      const std::string file = e.path().filename().string();
      if (!file.starts_with("archive_") || !file.ends_with(".tar.gz")) continue;
      for (const auto& [name, content] : logs) {
        const auto r = test::shell("tar -xzOf '" + e.path().string() + "' " + name + " 2>/dev/null", d.dir());
        if (r.exit_code == 0 && r.out == content) ++count[name];
      }
    }
    return count;
  };
  sc.after_kill = [copies, logs](const test::Deployment& d) {
    const auto count = copies(d);
    for (const auto& [name, content] : logs) CHECK_MESSAGE(count.count(name) > 0, name << " was lost");
  };
  sc.after_rerun = [copies, logs](const test::Deployment& d) {
    const auto count = copies(d);
    for (const auto& [name, content] : logs) {
      CHECK_FALSE(fs::exists(d / ("logs/" + name)));
      CHECK_MESSAGE(count.count(name) == 1, name << " is kept " << (count.count(name) ? count.at(name) : 0) << " times");
      if (count.count(name)) CHECK(count.at(name) == 1);
    }
  };
  run_scenario(sc);
}

TEST_CASE("crash: bscbotd killed at every start-up step starts cleanly next time") {
  Scenario sc;
  sc.name = "bscbotd start-up";
  sc.prepare = [](test::Deployment& d) { d.add_trades(20); };
  sc.own = {"daemon."};
  sc.required = {"daemon.starting", "daemon.restore_settled", "daemon.database_ready", "daemon.worker_started", "daemon.listening",
                 "daemon.pid_written", "daemon.ready"};
  run_scenario(sc);

  // With migrations pending, AUTO_MIGRATE applies them at start: killed in between, the next start finishes.
  Scenario migrating = sc;
  migrating.name = "bscbotd start-up migrating";
  migrating.prepare = make_old_schema;
  migrating.own = {"daemon.", "migrate."};
  migrating.required = {"migrate.uncommitted", "migrate.committed", "daemon.ready"};
  migrating.after_rerun = [](const test::Deployment& d) { CHECK(schema_of(d) == core::db::latest_schema_version()); };
  run_scenario(migrating);
}

}  // TEST_SUITE
