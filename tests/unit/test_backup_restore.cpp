// restore with a fake daemon: the round trip, refusals that change nothing, a stale WAL, an
// older schema, and rollbacks when a step after the stop fails.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/backup/create.hpp"
#include "core/backup/restore.hpp"
#include "core/db/migrations.hpp"
#include "core/error.hpp"
#include "tests/support/scratch.hpp"
#include "tests/unit/backup_fixtures.hpp"

namespace fs = std::filesystem;
using namespace bscbot::core;
using namespace bscbot::core::backup;
using bscbot::test::Scratch;
namespace fx = bscbot::test::backup;

namespace {

using fx::FakeDaemon;


struct Site {
  Scratch s;
  fs::path db;
  fs::path backups;
  FakeDaemon daemon;
  FixedClock clock{fx::utc("2024-09-03 03:00:00")};
  explicit Site(const std::string& name) : s(name), db(s / "data/trading-bot.sqlite"), backups(s / "backups") { fx::make_database(db, 40); }
  fs::path take(Compression c = Compression::none) {
    CreateOptions o;
    o.database = db;
    o.backup_dir = backups;
    o.compression = c;
    return create_backup(o, clock).path;
  }
  RestoreOptions options(std::vector<fs::path> candidates) {
    RestoreOptions o;
    o.candidates = std::move(candidates);
    o.database = db;
    return o;
  }
  // Nothing but the database (and a pre-restore copy) in data/: no temp files, no old -wal.
  std::vector<std::string> data_files() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(db.parent_path())) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
};

bool has_prefix(const std::vector<std::string>& names, const std::string& prefix) {
  return std::any_of(names.begin(), names.end(), [&](const std::string& n) { return n.starts_with(prefix); });
}

}  // namespace

TEST_CASE("backup: restore round trip: stop, keep, swap, check, start") {
  Site site("restore-round-trip");
  const fs::path backup = site.take(Compression::zstd);
  fx::add_trades(site.db, 7);  // written after the backup: gone after the restore, kept aside
  std::vector<RestoreStep> told;
  RestoreOptions o = site.options({backup});
  o.on_step = [&](RestoreStep step, const std::string&) { told.push_back(step); };
  const RestoreResult r = restore_backup(o, site.daemon, site.clock);

  CHECK(told == std::vector<RestoreStep>{RestoreStep::verify, RestoreStep::prepare, RestoreStep::stop_daemon, RestoreStep::pre_restore_copy,
                                         RestoreStep::swap, RestoreStep::check, RestoreStep::start_daemon});
  CHECK(site.daemon.stops == 1);
  CHECK(site.daemon.starts == 1);
  CHECK(r.daemon_was_running);
  CHECK(r.daemon_pid == 4001);
  CHECK(r.trades == 40);
  CHECK(fx::count_trades(site.db) == 40);
  REQUIRE(r.pre_restore_copy);
  CHECK(*r.pre_restore_copy == site.s / "data/trading-bot_pre-restore_20240903_030000.sqlite");
  CHECK(fx::count_trades(*r.pre_restore_copy) == 47);
  // The restored file is in WAL mode although backups are written in rollback mode.
  CHECK(read_header(site.db).write_version == 2);
  CHECK(site.data_files() == std::vector<std::string>{"trading-bot.sqlite", "trading-bot_pre-restore_20240903_030000.sqlite"});
  SQLite::Database db(site.db.string(), SQLite::OPEN_READWRITE);
  CHECK(db.execAndGet("PRAGMA journal_mode").getString() == "wal");
}

TEST_CASE("backup: restore refuses a bad backup and changes nothing") {
  Site site("restore-refuse");
  const fs::path good = site.take();
  fx::add_trades(site.db, 2);
  const std::string before = fx::sha(site.db);
  const auto refused = [&](const fs::path& file, const std::string& expected) {
    CAPTURE(file);
    try {
      restore_backup(site.options({file}), site.daemon, site.clock);
      FAIL("a bad backup was restored");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::data);
      CHECK(std::string(e.what()).find(expected) != std::string::npos);
      CHECK(std::string(e.what()).find("nothing was changed") != std::string::npos);
    }
    CHECK(fx::sha(site.db) == before);
    CHECK(site.daemon.stops == 0);
    CHECK(site.data_files() == std::vector<std::string>{"trading-bot.sqlite"});
  };
  const fs::path corrupt = site.s / "corrupt.sqlite";
  fs::copy_file(good, corrupt);
  // Inside the last page, one of the trades the fixture wrote last: the schema still reads, the
  // integrity check does not pass.
  fx::scribble(corrupt, fs::file_size(corrupt) - 1024, 1024);
  refused(corrupt, "integrity");
  const fs::path truncated = site.s / "truncated.sqlite";
  fs::copy_file(good, truncated);
  fx::truncate_to(truncated, fs::file_size(truncated) / 2);
  refused(truncated, "truncated");
  refused(site.s.write("text.sqlite", "not a database at all, just some text that is long enough\n"), "not an SQLite database");
  const fs::path future = site.s / "future.sqlite";
  fs::copy_file(good, future);
  {
    SQLite::Database db(future.string(), SQLite::OPEN_READWRITE);
    db.exec("INSERT INTO knex_migrations (name, batch) VALUES ('0099_future', 9)");
  }
  refused(future, "schema version 99");
  CHECK_THROWS_WITH_AS(restore_backup(site.options({site.s / "absent.sqlite"}), site.daemon, site.clock), doctest::Contains("does not exist"),
                       Error);
  CHECK(fx::sha(site.db) == before);
}

TEST_CASE("backup: restore --latest skips backups that do not verify") {
  Site site("restore-latest");
  const fs::path older = site.take();
  site.clock.advance(std::chrono::hours(24));
  fx::add_trades(site.db, 5);
  const fs::path newer_file = site.take();
  REQUIRE(latest_candidates(site.backups) == std::vector<fs::path>{newer_file, older});
  // The newest is damaged after the fact, where the catalog's spot checksum may not look: only
  // the full verify sees it.
  fx::scribble(newer_file, fs::file_size(newer_file) / 2, 64);
  const RestoreResult r = restore_backup(site.options({newer_file, older}), site.daemon, site.clock);
  CHECK(r.backup == older);
  REQUIRE(r.skipped.size() == 1);
  CHECK(r.skipped[0].path == newer_file);
  CHECK(r.skipped[0].problem.starts_with("checksum:"));
  CHECK(fx::count_trades(site.db) == 40);
}

TEST_CASE("backup: restore after a crash leaves no stale WAL beside the restored database") {
  Site site("restore-stale-wal");
  const fs::path backup = site.take();
  // A daemon killed with committed trades still in its WAL (never checkpointed).
  const pid_t child = ::fork();
  if (child == 0) {
    auto db = db::open_database(site.db, db::Access::read_write);
    db->exec("PRAGMA wal_autocheckpoint = 0");
    for (int i = 0; i < 9; ++i) {
      db->exec("INSERT INTO trades (wallet_address, token_in, token_out, amount_in) VALUES ('0x3333333333333333333333333333333333333333', 'a', 'b', '1')");
    }
    ::_exit(0);  // no close: the WAL stays, as after kill -9
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(fs::file_size(site.db.string() + "-wal") > 0);
  site.daemon.up = false;
  const RestoreResult r = restore_backup(site.options({backup}), site.daemon, site.clock);
  CHECK_FALSE(r.daemon_was_running);
  CHECK(site.daemon.starts == 0);  // it was not running: it stays stopped
  // The trades that only lived in the WAL are in the pre-restore copy, not replayed onto the backup.
  CHECK_FALSE(fs::exists(site.db.string() + "-wal"));
  CHECK_FALSE(fs::exists(site.db.string() + "-shm"));
  CHECK(fx::count_trades(*r.pre_restore_copy) == 49);
  CHECK(fx::count_trades(site.db) == 40);
  auto db = db::open_database(site.db, db::Access::read_write);
  CHECK(db::check_integrity(*db, true) == "ok");
}

TEST_CASE("backup: restore migrates an older backup") {
  Site site("restore-older");
  const fs::path old = site.s / "old.sqlite";
  {
    bscbot::test::sqlite_file_store(old, db::known_migrations().first(1));
    auto db = db::open_database(old, db::Access::read_write);
    db->exec("PRAGMA journal_mode = DELETE");
  }
  const RestoreResult r = restore_backup(site.options({old}), site.daemon, site.clock);
  CHECK(r.migrations.size() == db::known_migrations().size() - 1);
  CHECK(r.schema_version == db::latest_schema_version());
  CHECK(r.trades == 0);
}

TEST_CASE("backup: restore into a folder without a database") {
  Site site("restore-fresh");
  const fs::path backup = site.take();
  fs::remove(site.db);
  site.daemon.up = false;
  const RestoreResult r = restore_backup(site.options({backup}), site.daemon, site.clock);
  CHECK_FALSE(r.pre_restore_copy);
  CHECK(fx::count_trades(site.db) == 40);
}

TEST_CASE("backup: a failure after the stop rolls back and restarts the daemon") {
  Site site("restore-rollback");
  const fs::path backup = site.take();
  fx::add_trades(site.db, 4);
  const std::int64_t live_trades = 44;

  SUBCASE("after the swap: the pre-restore copy goes back") {
    RestoreOptions o = site.options({backup});
    o.on_step = [](RestoreStep step, const std::string&) {
      if (step == RestoreStep::check) throw Error(ErrorKind::database, "simulated failure");
    };
    try {
      restore_backup(o, site.daemon, site.clock);
      FAIL("the simulated failure did not surface");
    } catch (const Error& e) {
      const std::string what = e.what();
      CHECK(what.find("restore failed at check: simulated failure") != std::string::npos);
      CHECK(what.find("holds the pre-restore copy again") != std::string::npos);
      CHECK(what.find("bscbotd restarted (pid 4001)") != std::string::npos);
    }
    CHECK(fx::count_trades(site.db) == live_trades);
    CHECK(read_header(site.db).write_version == 2);
    CHECK(site.daemon.up);
  }
  SUBCASE("the daemon does not start on the restored database: roll back, start it on the old one") {
    site.daemon.failing_starts = 1;
    try {
      restore_backup(site.options({backup}), site.daemon, site.clock);
      FAIL("a failed start was ignored");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::unavailable);
      CHECK(std::string(e.what()).find("restore failed at start daemon") != std::string::npos);
      CHECK(std::string(e.what()).find("bscbotd restarted") != std::string::npos);
    }
    CHECK(site.daemon.starts == 2);
    CHECK(fx::count_trades(site.db) == live_trades);
  }
  SUBCASE("the daemon will not start at all: the error says it is stopped") {
    site.daemon.failing_starts = 2;
    try {
      restore_backup(site.options({backup}), site.daemon, site.clock);
      FAIL("a failed start was ignored");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("bscbotd is stopped (restarting it failed") != std::string::npos);
    }
    CHECK(fx::count_trades(site.db) == live_trades);
  }
  SUBCASE("before the swap: the live database was not changed") {
    const std::string before = fx::sha(site.db);
    RestoreOptions o = site.options({backup});
    o.on_step = [](RestoreStep step, const std::string&) {
      if (step == RestoreStep::stop_daemon) throw Error(ErrorKind::io, "simulated failure");
    };
    try {
      restore_backup(o, site.daemon, site.clock);
      FAIL("the simulated failure did not surface");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("was not changed") != std::string::npos);
    }
    CHECK(fx::sha(site.db) == before);
    CHECK(site.daemon.up);
    CHECK_FALSE(has_prefix(site.data_files(), ".trading-bot"));  // the staged copy is gone
  }
}

TEST_CASE("backup: restore needs room for the restored database and the pre-restore copy") {
  Site site("restore-space");
  const fs::path backup = site.take();
  RestoreOptions o = site.options({backup});
  o.available_bytes = [](const fs::path&) -> std::uintmax_t { return 1024; };
  CHECK_THROWS_WITH_AS(restore_backup(o, site.daemon, site.clock), doctest::Contains("not enough free space"), Error);
  CHECK(site.daemon.stops == 0);
}

TEST_CASE("backup: the restore plan says what would happen and changes nothing") {
  Site site("restore-plan");
  const fs::path backup = site.take();
  const std::string before = fx::sha(site.db);
  const RestorePlan plan = plan_restore(site.options({backup}), site.daemon, site.clock);
  CHECK(plan.backup == backup);
  CHECK(plan.daemon_pid == 4000);
  REQUIRE(plan.steps.size() == 7);
  CHECK(plan.steps[2].find("stop bscbotd (pid 4000)") != std::string::npos);
  CHECK(plan.steps[3].find("trading-bot_pre-restore_20240903_030000.sqlite") != std::string::npos);
  CHECK(fx::sha(site.db) == before);
  CHECK(site.daemon.stops == 0);
}
