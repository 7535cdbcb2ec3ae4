// bscbot restore as an operator runs it at 3 a.m.: bad backups refused with the live database
// untouched, a round trip with bscbotd stopped and started again, and a restore after a crash.
#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/backup/sha256.hpp"
#include "core/db/database.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/scratch.hpp"
#include "tests/support/stores.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bscbot;
using bscbot::test::Scratch;

namespace {

void add_trades(const fs::path& db_path, int count, const char* wallet = "0x1111111111111111111111111111111111111111") {
  auto store = test::sqlite_file_store(db_path, {});
  for (int i = 0; i < count; ++i) store->trades().insert(test::sample_trade(wallet, std::to_string(1 + i) + "000000000000000000"));
}

std::int64_t count_trades(const fs::path& db_path) {
  SQLite::Database db(db_path.string(), SQLite::OPEN_READWRITE);
  return db.execAndGet("SELECT COUNT(*) FROM trades").getInt64();
}

// Every column of every trade, hashed.
std::string trades_digest(const fs::path& db_path) {
  SQLite::Database db(db_path.string(), SQLite::OPEN_READWRITE);
  SQLite::Statement q(db, "SELECT * FROM trades ORDER BY id");
  core::backup::Sha256 sha;
  while (q.executeStep()) {
    for (int i = 0; i < q.getColumnCount(); ++i) {
      const std::string v = q.getColumn(i).isNull() ? std::string("\x01null") : q.getColumn(i).getString();
      sha.update(v.data(), v.size() + 1);
    }
  }
  return sha.hex_digest();
}

// A deployment folder with a migrated database of `trades` trades and its own daemon port.
struct Site {
  Scratch s;
  std::map<std::string, std::string> env;
  fs::path db;
  Site(const std::string& name, int trades) : s(name), env{{"PORT", std::to_string(test::free_port())}}, db(s / "data/trading-bot.sqlite") {
    REQUIRE(test::bscbot({"init", "-q"}, s.path(), env).exit_code == 0);
    add_trades(db, trades);
  }
  ~Site() { test::bscbot({"daemon", "stop", "--force"}, s.path(), env); }
  test::RunResult bscbot(const std::vector<std::string>& args) { return test::bscbot(args, s.path(), env); }
  fs::path backup() {
    const auto r = bscbot({"-q", "backup"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return s / r.out.substr(0, r.out.find('\n'));
  }
  json status() { return json::parse(bscbot({"--json", "daemon", "status"}).out); }
  json history() {
    const auto r = core::net::get("http://127.0.0.1:" + env.at("PORT") + "/api/v1/trading/history?limit=1000", std::chrono::milliseconds(5000));
    REQUIRE(r.status == 200);
    return json::parse(r.body)["trades"];
  }
};

}  // namespace

TEST_SUITE("backup") {

TEST_CASE("backup: restore refuses corrupt, truncated, non-SQLite and newer-schema files and changes nothing") {
  Site site("bb-restore-refuse", 50);
  const fs::path good = site.backup();
  const fs::path corrupt = site.s / "corrupt.sqlite", truncated = site.s / "truncated.sqlite", future = site.s / "future.sqlite";
  fs::copy_file(good, corrupt);
  {
    std::fstream f(corrupt, std::ios::in | std::ios::out | std::ios::binary);
    // The last page, one of trades: the schema still reads, the integrity check does not pass.
    f.seekp(static_cast<std::streamoff>(fs::file_size(corrupt) - 4096));
    f.write(std::string(4096, 'x').data(), 4096);
  }
  fs::copy_file(good, truncated);
  fs::resize_file(truncated, fs::file_size(good) / 2);
  const fs::path text = site.s.write("notes.sqlite", "PRAGMA integrity_check; -- not a database, a note about one\n");
  fs::copy_file(good, future);
  {
    SQLite::Database db(future.string(), SQLite::OPEN_READWRITE);
    db.exec("INSERT INTO knex_migrations (name, batch) VALUES ('0099_future', 9)");
  }
  const std::vector<std::pair<fs::path, std::string>> bad = {
      {corrupt, "integrity"}, {truncated, "truncated"}, {text, "not an SQLite database"}, {future, "schema version 99"}};

  // With the daemon stopped, the live database is compared byte for byte.
  const std::string before = core::backup::sha256_file(site.db);
  for (const auto& [file, why] : bad) {
    CAPTURE(file);
    const auto r = site.bscbot({"restore", file.string(), "--yes"});
    CHECK(r.exit_code == 65);
    CHECK(r.err.find(why) != std::string::npos);
    CHECK(r.err.find("nothing was changed") != std::string::npos);
  }
  CHECK(core::backup::sha256_file(site.db) == before);
  for (const auto& e : fs::directory_iterator(site.s / "data")) CHECK(e.path().filename() == "trading-bot.sqlite");

  // With the daemon running, it is not even stopped, and not a trade changes. (The running daemon
  // writes its own metric samples, so here the trades are compared rather than the file.)
  const std::string trades_before = trades_digest(site.db);
  REQUIRE(site.bscbot({"daemon", "start"}).exit_code == 0);
  const int pid = site.status()["pid"];
  for (const auto& [file, why] : bad) {
    CAPTURE(file);
    CHECK(site.bscbot({"restore", file.string(), "--yes"}).exit_code == 65);
  }
  const json status = site.status();
  CHECK(status["pid"] == pid);
  CHECK(status["health"]["database"]["state"] == "ok");
  CHECK(site.history().size() == 50);
  REQUIRE(site.bscbot({"daemon", "stop"}).exit_code == 0);
  CHECK(trades_digest(site.db) == trades_before);
}

TEST_CASE("backup: restore round trip: the daemon is stopped, restarted and serves the restored trades") {
  Site site("bb-restore-round-trip", 30);
  REQUIRE(site.bscbot({"daemon", "start"}).exit_code == 0);
  const int old_pid = site.status()["pid"];
  const fs::path backup = site.backup();  // online, from the running daemon's folder
  add_trades(site.db, 12, "0x2222222222222222222222222222222222222222");
  REQUIRE(site.history().size() == 42);

  // A script without --yes and without a terminal is refused.
  auto r = site.bscbot({"restore", backup.string()});
  CHECK(r.exit_code == 64);
  CHECK(r.err.find("--yes") != std::string::npos);
  // --dry-run shows the plan and changes nothing.
  r = site.bscbot({"restore", "--latest", "--dry-run"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(fmt::format("stop bscbotd (pid {})", old_pid)) != std::string::npos);
  CHECK(site.status()["pid"] == old_pid);
  CHECK(site.history().size() == 42);

  r = site.bscbot({"--json", "restore", backup.string(), "--yes"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json doc = json::parse(r.out);
  CHECK(doc["restored"] == true);
  CHECK(doc["trades"] == 30);
  CHECK(doc["daemon"]["was_running"] == true);
  const int new_pid = doc["daemon"]["pid"];
  CHECK(new_pid != old_pid);
  std::vector<std::string> steps;
  for (const auto& s : doc["steps"]) steps.push_back(s["step"]);
  CHECK(steps == std::vector<std::string>{"verify", "prepare", "stop daemon", "pre-restore copy", "swap", "check", "start daemon"});

  // The new daemon serves the restored data, and its database is the file it opened (not "replaced").
  const json status = site.status();
  CHECK(status["running"] == true);
  CHECK(status["pid"] == new_pid);
  CHECK(status["health"]["status"] == "ok");
  CHECK(status["health"]["database"]["state"] == "ok");
  const json trades = site.history();
  CHECK(trades.size() == 30);
  for (const auto& t : trades) CHECK(t["wallet_address"] == "0x1111111111111111111111111111111111111111");
  // The database as it was (42 trades) is kept beside it.
  const fs::path pre = site.s / doc["pre_restore_copy"].get<std::string>();
  CHECK(pre.parent_path() == site.s / "data");
  CHECK(count_trades(pre) == 42);
  REQUIRE(site.bscbot({"daemon", "stop"}).exit_code == 0);
  CHECK(count_trades(site.db) == 30);
  SQLite::Database db(site.db.string(), SQLite::OPEN_READWRITE);
  CHECK(db.execAndGet("PRAGMA journal_mode").getString() == "wal");
}

TEST_CASE("backup: restore after bscbotd was killed: no stale WAL survives, the restored database is sound") {
  Site site("bb-restore-crash", 20);
  const fs::path backup = site.backup();
  REQUIRE(site.bscbot({"daemon", "start"}).exit_code == 0);
  const int pid = site.status()["pid"];
  // Trades committed while the daemon holds the database stay in its WAL; then it is killed.
  add_trades(site.db, 5, "0x3333333333333333333333333333333333333333");
  ::kill(pid, SIGKILL);
  REQUIRE(test::eventually([&] { return site.status()["running"] == false; }));
  REQUIRE(fs::exists(site.db.string() + "-wal"));
  REQUIRE(fs::file_size(site.db.string() + "-wal") > 0);
  const auto r = site.bscbot({"--json", "restore", backup.string(), "--yes"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json doc = json::parse(r.out);
  CHECK(doc["daemon"]["was_running"] == false);  // killed: it stays stopped, as it was
  CHECK_FALSE(fs::exists(site.db.string() + "-wal"));
  CHECK_FALSE(fs::exists(site.db.string() + "-shm"));
  CHECK(count_trades(site.s / doc["pre_restore_copy"].get<std::string>()) == 25);
  const auto check = site.bscbot({"--json", "db", "check", "--full"});
  CHECK(check.exit_code == 0);
  CHECK(count_trades(site.db) == 20);
  // And it starts on the restored file.
  REQUIRE(site.bscbot({"daemon", "start"}).exit_code == 0);
  CHECK(site.history().size() == 20);
}

}  // TEST_SUITE
