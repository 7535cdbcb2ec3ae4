// The manual's unsafe restore, done for real (issue 16): `cp` of a backup over the live SQLite
// file while bscbotd runs. The inode stays, so only the file's own header tells: a backup is a
// rollback-journal file, the live one is WAL. bscbotd must notice within seconds, answer 503
// naming it, write nothing more into the file (not even a checkpoint of its -wal into the
// copied pages), and `bscbot restore` must bring back a sound database.
#include <doctest/doctest.h>

#include <thread>

#include "tests/support/deployment.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/scratch.hpp"

using namespace bscbot;
namespace fs = std::filesystem;

TEST_SUITE("faults") {

TEST_CASE("faults: a backup cp'd over the live database under a running bscbotd: 503 naming it, nothing more written to the file, bscbot restore repairs it") {
  if (test::testing_pg()) return;  // a SQLite file
  test::Scratch s("faults-cp-restore");
  REQUIRE(test::init(s.path()).exit_code == 0);
  test::Daemon d(s.path());
  d.start();
  for (int i = 0; i < 3; ++i) test::insert_trade(s.path(), test::utc_ago(60), "completed");
  const auto backup = test::bscbot({"backup"}, s.path(), d.env());
  REQUIRE_MESSAGE(backup.exit_code == 0, backup.err);
  for (int i = 0; i < 2; ++i) test::insert_trade(s.path(), test::utc_ago(30), "completed");

  // The manual's restore: `cp backup data/trading-bot.sqlite`, with bscbotd running.
  const fs::path live = s / "data/trading-bot.sqlite";
  REQUIRE(test::shell("cp backups/db_latest.sqlite data/trading-bot.sqlite", s.path()).exit_code == 0);
  core::net::HttpResponse h;
  REQUIRE_MESSAGE(test::eventually([&] {
    h = d.get("/api/health");
    return h.status == 503 && h.body.find("overwritten in place") != std::string::npos;
  }), h.body);
  CHECK(h.body.find("bscbot restore") != std::string::npos);
  // The file keeps the bytes cp put there while bscbotd goes on answering (and probing).
  const std::string copied = test::read_text(live);
  for (int i = 0; i < 20; ++i) {
    d.get("/api/health");
    d.get("/api/v1/trading/history?limit=5");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(test::read_text(live) == copied);
  const auto read = d.get("/api/v1/trading/history?limit=5");
  CHECK(read.status >= 500);
  CHECK(d.running());
  const auto health = test::bscbot({"health"}, s.path(), d.env());
  CHECK(health.exit_code == 2);
  CHECK(health.out.find("overwritten in place") != std::string::npos);

  // The repair the message names: the verified restore of the backup, bscbotd back on it.
  const auto restored = test::bscbot({"restore", "--latest", "--yes"}, s.path(), d.env());
  REQUIRE_MESSAGE(restored.exit_code == 0, restored.out << restored.err);
  REQUIRE(test::eventually([&] { return d.get("/api/health").status == 200; }));
  CHECK(test::sql(s.path(), "PRAGMA integrity_check") == "ok");
  CHECK(test::sql(s.path(), "SELECT COUNT(*) FROM trades") == "3");
  // restore started this bscbotd itself: stop it the same way.
  CHECK(test::bscbot({"daemon", "stop"}, s.path(), d.env()).exit_code == 0);
}

}  // TEST_SUITE
