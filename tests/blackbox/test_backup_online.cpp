// bscbot backup against a running bscbotd while trades are written at a steady rate, and the
// backup subcommands as an operator and cron run them.
#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/db/store.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/scratch.hpp"
#include "tests/support/stores.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bscbot;
using bscbot::test::Scratch;

namespace {

core::db::NewTrade a_trade(int i) {
  return test::sample_trade(i % 2 ? "0x1111111111111111111111111111111111111111" : "0x2222222222222222222222222222222222222222",
                            std::to_string(1000 + i) + "000000000000000000");
}

void seed(const fs::path& db_path, int count) {
  auto store = test::sqlite_file_store(db_path, {});
  for (int i = 0; i < count; ++i) store->trades().insert(a_trade(i));
}

// Trades with an id up to `id` in the backup file (a rollback-journal file: opening it read-only
// leaves nothing beside it).
std::int64_t trades_up_to(const fs::path& backup, std::int64_t id) {
  SQLite::Database db(backup.string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(db, "SELECT COUNT(*) FROM trades WHERE id <= ?");
  q.bind(1, id);
  q.executeStep();
  return q.getColumn(0).getInt64();
}

}  // namespace

TEST_SUITE("backup") {

TEST_CASE("backup: backups taken while the daemon runs and trades are written lose nothing") {
  Scratch s("bb-backup-writers");
  REQUIRE(test::bscbot({"init", "-q"}, s.path()).exit_code == 0);
  const fs::path db_path = s / "data/trading-bot.sqlite";
  seed(db_path, 20000);  // a few MB: with 16-page steps, a backup takes hundreds of steps
  test::Daemon daemon(s.path());
  daemon.start();

  // The writer does what the daemon's trade engine does: one short transaction per trade, with
  // the daemon's busy timeout (DB_BUSY_TIMEOUT_MS, 5000 ms by default).
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> last_committed{0};
  std::atomic<int> errors{0};
  std::atomic<long long> longest_insert_us{0};
  std::string first_error;
  std::thread writer([&] {
    auto store = test::sqlite_file_store(db_path, {});
    core::db::TradeStore& repo = store->trades();
    for (int i = 0; !stop; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      try {
        last_committed = repo.insert(a_trade(i));
      } catch (const std::exception& e) {
        if (errors++ == 0) first_error = e.what();
      }
      const auto took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
      if (took > longest_insert_us) longest_insert_us = took;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));  // a steady few hundred trades a second
    }
  });
  REQUIRE(test::eventually([&] { return last_committed > 20000; }));

  const std::map<std::string, std::string> env = {{"PORT", std::to_string(daemon.port())}, {"BACKUP_STEP_PAGES", "16"},
                                                  {"BACKUP_STEP_SLEEP_MS", "1"}};
  std::int64_t committed_during_backups = 0;
  for (int round = 0; round < 5; ++round) {
    CAPTURE(round);
    const std::int64_t before = last_committed;
    const auto r = test::bscbot({"--json", "backup", "--compress", round % 2 ? "zstd" : "none"}, s.path(), env);
    const std::int64_t after = last_committed;
    committed_during_backups += after - before;
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    const json doc = json::parse(r.out);
    const fs::path file = s / doc["path"].get<std::string>();
    CHECK(doc["copy"]["snapshot"] == true);
    CHECK(doc["copy"]["steps"].get<int>() > 50);
    // Every backup passes verify...
    const auto v = test::bscbot({"backup", "verify", file.string()}, s.path(), env);
    CHECK_MESSAGE(v.exit_code == 0, v.out);
    // ...and holds every trade committed before it started (ids are dense: 1, 2, 3, ...).
    const auto max_id = doc["manifest"]["max_trade_id"].get<std::int64_t>();
    CHECK(max_id >= before);
    CHECK(doc["manifest"]["tables"]["trades"].get<std::int64_t>() == max_id);
    if (round % 2 == 0) CHECK(trades_up_to(file, before) == before);
  }
  stop = true;
  writer.join();
  CHECK_MESSAGE(errors == 0, first_error);
  CHECK(committed_during_backups > 0);  // the writer really wrote while backups ran
  MESSAGE("longest insert while backing up: " << longest_insert_us / 1000.0 << " ms");
  // The daemon never noticed.
  const auto health = json::parse(daemon.get("/api/health").body);
  CHECK(health["status"] == "ok");
  CHECK(health["database"]["state"] == "ok");
}

TEST_CASE("backup: plain `bscbot backup`, list, verify, prune and config as cron runs them") {
  Scratch s("bb-backup-cli");
  // An ordinary Tuesday: no weekly or monthly copy joins the two dailies (test_calendar_dates.cpp
  // runs the tiers on the dates that add them).
  const std::string now = "2026-11-24 02:00:00";
  REQUIRE(test::bscbot_at(now, {"init", "-q"}, s.path()).exit_code == 0);
  seed(s / "data/trading-bot.sqlite", 300);

  auto r = test::bscbot_at(now, {"-q", "backup"}, s.path());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.err.empty());  // cron mails nothing on success
  const std::string first = r.out.substr(0, r.out.find('\n'));
  CHECK(first.starts_with("backups/daily/db_"));
  CHECK(fs::exists(s / first));
  CHECK(fs::exists(s / (first + ".json")));
  r = test::bscbot_at(now, {"backup", "create", "--compress", "gzip"}, s.path());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find(".sqlite.gz") != std::string::npos);

  r = test::bscbot_at(now, {"--json", "backup", "list"}, s.path());
  REQUIRE(r.exit_code == 0);
  const json list = json::parse(r.out);
  REQUIRE(list["backups"].size() == 2);
  CHECK(list["backups"][0]["state"] == "good");
  CHECK(list["backups"][0]["latest"] == true);
  CHECK(list["backups"][0]["manifest"]["tables"]["trades"] == 300);
  CHECK(list["stale"] == false);
  r = test::bscbot_at(now, {"backup", "list"}, s.path());
  CHECK(r.out.find("good (latest)") != std::string::npos);

  r = test::bscbot_at(now, {"backup", "verify", "--latest"}, s.path());
  CHECK_MESSAGE(r.exit_code == 0, r.out);
  CHECK(r.out.find("integrity_check: ok") != std::string::npos);
  r = test::bscbot_at(now, {"-q", "backup", "verify", first}, s.path());
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());  // quiet and good: nothing for cron to mail
  fs::copy_file(s / first, s / "damaged.sqlite");
  {
    std::fstream f(s / "damaged.sqlite", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(s / "damaged.sqlite") / 2));
    f.write(std::string(2048, 'x').data(), 2048);
  }
  r = test::bscbot_at(now, {"-q", "backup", "verify", "damaged.sqlite"}, s.path());
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("NOT usable: integrity") != std::string::npos);
  r = test::bscbot_at(now, {"--json", "backup", "verify", "damaged.sqlite"}, s.path());
  CHECK(r.exit_code == 1);
  CHECK(json::parse(r.out)["ok"] == false);
  CHECK(test::bscbot_at(now, {"backup", "verify", "absent.sqlite"}, s.path()).exit_code == 66);
  CHECK(test::bscbot_at(now, {"backup", "verify"}, s.path()).exit_code == 64);

  r = test::bscbot_at(now, {"--json", "backup", "prune", "--dry-run"}, s.path());
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["decisions"].size() == 2);
  r = test::bscbot_at(now, {"backup", "prune"}, s.path());
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("deleted 0 of 2 backup(s)") != std::string::npos);

  r = test::bscbot_at(now, {"--json", "backup", "config"}, s.path());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const fs::path archive = s / json::parse(r.out)["path"].get<std::string>();
  struct stat st {};
  REQUIRE(::stat(archive.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const auto listing = test::shell("tar -tzvf '" + archive.string() + "'", s.path());
  CHECK(listing.out.find(".env") != std::string::npos);
  CHECK(listing.out.find("bscbot.yaml") != std::string::npos);
  CHECK(listing.out.find("-rw-------") != std::string::npos);  // .env keeps its mode inside
}

TEST_CASE("backup: a disk that fills up midway leaves no partial backup and says so") {
  Scratch s("bb-backup-full");
  REQUIRE(test::bscbot({"init", "-q"}, s.path()).exit_code == 0);
  seed(s / "data/trading-bot.sqlite", 8000);  // about 2.5 MB
  // A file size limit stands in for a full disk: writes past 512 KiB fail with EFBIG.
  const auto r = test::shell("trap '' XFSZ; ulimit -f 512; exec '" + test::bscbot_exe().string() + "' backup", s.path());
  CHECK(r.exit_code == 74);
  CHECK_MESSAGE(r.err.find("no space left while writing backups/daily/db_") != std::string::npos, r.err);
  CHECK(r.err.find("nothing was kept") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(fs::is_empty(s / "backups/daily"));
  CHECK_FALSE(fs::exists(s / "backups/latest"));
  // With room again, the next backup works.
  const auto ok = test::bscbot({"backup"}, s.path());
  CHECK_MESSAGE(ok.exit_code == 0, ok.err);
}

TEST_CASE("backup: the manual's weekly lines on backups/db_latest.sqlite run unchanged and truthfully") {
  Scratch s("bb-db-latest");
  REQUIRE(test::bscbot({"init", "-q"}, s.path()).exit_code == 0);
  seed(s / "data/trading-bot.sqlite", 25);
  // Before any backup there is no db_latest.sqlite to open (sqlite3 would create an empty one).
  CHECK_FALSE(fs::exists(s / "backups/db_latest.sqlite"));
  // An ordinary Tuesday, so no weekly or monthly copy joins in.
  REQUIRE(test::bscbot_at("2026-11-24 02:00:00", {"-q", "backup"}, s.path()).exit_code == 0);
  const std::string weekly =
      "sqlite3 backups/db_latest.sqlite \"PRAGMA integrity_check;\"\n"
      "cp backups/db_latest.sqlite data/test-restore.sqlite\n"
      "sqlite3 data/test-restore.sqlite \"SELECT COUNT(*) FROM trades;\"\n";
  auto r = test::shell(weekly, s.path());
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out == "ok\n25\n");
  CHECK(fs::is_symlink(s / "backups/db_latest.sqlite"));
  CHECK(fs::read_symlink(s / "backups/db_latest.sqlite").is_relative());

  // A newer uncompressed backup moves it; a compressed one cannot be opened by sqlite3, so the link
  // stays on the newest plain one.
  seed(s / "data/trading-bot.sqlite", 5);
  REQUIRE(test::bscbot_at("2026-11-24 02:00:10", {"-q", "backup"}, s.path()).exit_code == 0);
  seed(s / "data/trading-bot.sqlite", 5);
  REQUIRE(test::bscbot_at("2026-11-24 02:00:20", {"-q", "backup", "--compress", "gzip"}, s.path()).exit_code == 0);
  fs::remove(s / "data/test-restore.sqlite");
  r = test::shell(weekly, s.path());
  CHECK(r.out == "ok\n30\n");
  CHECK(fs::read_symlink(s / "backups/latest").string().find(".sqlite.gz") != std::string::npos);
  // Listed once, not as an extra backup.
  const json list = json::parse(test::bscbot({"--json", "backup", "list"}, s.path()).out);
  CHECK(list["backups"].size() == 3);
}

}  // TEST_SUITE
