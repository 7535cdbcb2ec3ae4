// bscbot backup, verify and restore on a PostgreSQL deployment, as an operator runs them with
// bscbotd up: pg_dump archives in the same rotation, checked by a scratch restore, and a restore
// by rename that bscbotd serves from again.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "tests/support/deployment.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/postgres.hpp"
#include "tests/support/scratch.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bscbot;
using bscbot::test::Scratch;

namespace {

struct PgSite {
  Scratch s;
  std::map<std::string, std::string> env;
  std::string url;
  explicit PgSite(const std::string& name) : s(name), env{{"PORT", std::to_string(test::free_port())}} {
    url = test::PgServer::shared().create_database(name);
    const auto r = test::bscbot({"init", "-q", "--database-url", url}, s.path(), env);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
  ~PgSite() { test::bscbot({"daemon", "stop", "--force"}, s.path(), env); }
  test::RunResult bscbot(const std::vector<std::string>& args) { return test::bscbot(args, s.path(), env); }
  json run_json(const std::vector<std::string>& args) {
    std::vector<std::string> a = {"--json"};
    a.insert(a.end(), args.begin(), args.end());
    const auto r = bscbot(a);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return json::parse(r.out);
  }
  void add(int n) {
    for (int i = 0; i < n; ++i) test::insert_trade(s.path(), test::utc_ago(60 + i), "completed");
  }
  std::string trades() { return test::sql(s.path(), "SELECT COUNT(*) FROM trades"); }
  json history() {
    const auto r = core::net::get("http://127.0.0.1:" + env.at("PORT") + "/api/v1/trading/history?limit=1000", std::chrono::milliseconds(5000));
    REQUIRE(r.status == 200);
    return json::parse(r.body)["trades"];
  }
};

}  // namespace

TEST_SUITE("backup") {

TEST_CASE("backup: on PostgreSQL, pg_dump backups are listed, verified by a scratch restore and restored under a running bscbotd") {
  PgSite site("bb-pg-backup");
  site.add(12);
  REQUIRE(site.bscbot({"daemon", "start"}).exit_code == 0);

  const json made = site.run_json({"backup"});
  const fs::path backup = made["path"].get<std::string>();
  CHECK(backup.extension() == ".pgdump");
  CHECK(made["manifest"]["backend"] == "pg_dump");
  CHECK(made["manifest"]["tables"]["trades"] == 12);
  const std::string password = site.url.substr(site.url.find("bscbot:") + 7, site.url.find('@') - site.url.find("bscbot:") - 7);
  REQUIRE(password.size() >= 8);
  CHECK(made.dump().find(password) == std::string::npos);
  CHECK(test::read_text(fs::path(backup.string() + ".json")).find(password) == std::string::npos);

  const json list = site.run_json({"backup", "list"});
  REQUIRE(list["backups"].size() >= 1);
  CHECK(list["backups"][0]["good"] == true);
  CHECK(list["stale"] == false);

  const json verified = site.run_json({"backup", "verify", "--latest"});
  CHECK(verified["ok"] == true);
  std::vector<std::string> checks;
  for (const auto& c : verified["checks"]) checks.push_back(c["check"]);
  CHECK(checks == std::vector<std::string>{"manifest", "checksum", "archive", "restore"});

  // pg_dump's archive is compressed already: --compress is refused with the reason.
  auto r = site.bscbot({"backup", "--compress", "gzip"});
  CHECK(r.exit_code == 64);
  CHECK(r.err.find("pg_dump's archive is compressed already") != std::string::npos);
  // A SQLite backup is not restored into PostgreSQL.
  r = site.bscbot({"restore", (site.s / "other.sqlite").string(), "--yes"});
  CHECK(r.exit_code == 64);
  CHECK(r.err.find("needs a pg_dump one") != std::string::npos);

  // Trades written after the backup: the restore brings back the 12, bscbotd serves them.
  site.add(5);
  REQUIRE(site.trades() == "17");
  const int old_pid = site.run_json({"daemon", "status"})["pid"];
  const json restored = site.run_json({"restore", "--latest", "--yes"});
  CHECK(restored["trades"] == 12);
  CHECK(restored["daemon"]["was_running"] == true);
  CHECK(restored["daemon"]["pid"] != old_pid);
  std::vector<std::string> steps;
  for (const auto& s : restored["steps"]) steps.push_back(s["step"]);
  CHECK(steps == std::vector<std::string>{"verify", "prepare", "stop daemon", "pre-restore copy", "swap", "check", "start daemon"});
  CHECK(site.trades() == "12");
  CHECK(site.history().size() == 12);
  const std::string pre = restored["pre_restore_copy"];
  CHECK(pre.find("_pre_restore_") != std::string::npos);
  test::PgServer& server = test::PgServer::shared();
  CHECK(server.psql(server.superuser_url(pre), "SELECT COUNT(*) FROM trades") == "17");

  // bscbotd writes to the restored database.
  const json health = json::parse(core::net::get("http://127.0.0.1:" + site.env.at("PORT") + "/api/health", std::chrono::milliseconds(5000)).body);
  CHECK(health["database"]["state"] == "ok");
  CHECK(health["database"]["backend"] == "pg");
}


TEST_CASE("backup: on PostgreSQL, a restore killed at any step leaves the old database or the restored one live, and the next restore clears what it left") {
  PgSite site("bb-pg-killed");
  site.add(12);
  REQUIRE(site.bscbot({"daemon", "start"}).exit_code == 0);
  REQUIRE(site.bscbot({"backup"}).exit_code == 0);
  test::PgServer& server = test::PgServer::shared();
  const std::string live = site.url.substr(site.url.rfind('/') + 1);
  const auto leftovers = [&] {
    return server.psql(server.superuser_url(), fmt::format("SELECT COUNT(*) FROM pg_database WHERE datname LIKE '{}\\_restoring\\_%'", live));
  };
  // A kill before the swap leaves the live database as it was; after it, the restored one.
  const std::vector<std::pair<std::string, std::string>> points = {
      {"pg_restore.loaded", "17"}, {"pg_restore.daemon_stopped", "17"}, {"pg_restore.swapped", "12"}};
  for (const auto& [point, trades] : points) {
    CAPTURE(point);
    if (site.trades() == "12") site.add(5);
    REQUIRE(site.trades() == "17");
    if (site.bscbot({"daemon", "status"}).exit_code != 0) REQUIRE(site.bscbot({"daemon", "start"}).exit_code == 0);
    std::map<std::string, std::string> env = site.env;
    env["BSCBOT_TEST_CRASH_AT"] = point;
    const auto killed = test::bscbot({"restore", "--latest", "--yes"}, site.s.path(), env);
    CHECK_MESSAGE(killed.exit_code == test::k_killed, killed.err);
    CHECK(site.trades() == trades);
    CHECK(leftovers() == (point == "pg_restore.swapped" ? "0" : "1"));
    // The operator starts bscbotd again if the kill left it stopped; it serves what is live.
    if (site.bscbot({"daemon", "status"}).exit_code != 0) {
      const auto started = site.bscbot({"daemon", "start"});
      REQUIRE_MESSAGE(started.exit_code == 0, started.err);
    }
    CHECK(site.history().size() == static_cast<std::size_t>(std::stoi(trades)));
    // The next restore drops the killed one's database and completes.
    const json restored = site.run_json({"restore", "--latest", "--yes"});
    CHECK(restored["trades"] == 12);
    CHECK(site.trades() == "12");
    CHECK(leftovers() == "0");
  }
}

TEST_CASE("backup: on PostgreSQL, a backup killed after pg_dump leaves no file that passes for a backup") {
  PgSite site("bb-pg-dumpkill");
  site.add(3);
  std::map<std::string, std::string> env = site.env;
  env["BSCBOT_TEST_CRASH_AT"] = "pg_backup.dumped";
  const auto killed = test::bscbot({"backup"}, site.s.path(), env);
  CHECK_MESSAGE(killed.exit_code == test::k_killed, killed.err);
  CHECK(site.run_json({"backup", "list"})["backups"].empty());
  const json made = site.run_json({"backup"});
  CHECK(made["manifest"]["tables"]["trades"] == 3);
  const json list = site.run_json({"backup", "list"});
  REQUIRE(!list["backups"].empty());  // one, and its tier copies on a Sunday or the 1st
  for (const auto& b : list["backups"]) CHECK(b["good"] == true);
  // The killed run's temp file is gone once the next backup has run: every file left is a
  // backup or its manifest (tier copies are links of the one backup).
  for (const auto& e : fs::recursive_directory_iterator(site.s / "backups")) {
    if (e.is_symlink() || !e.is_regular_file() || e.path().filename() == ".lock") continue;
    CHECK_MESSAGE((e.path().extension() == ".pgdump" || e.path().extension() == ".json"), e.path());
  }
}
}  // TEST_SUITE

TEST_SUITE("backup") {

TEST_CASE("backup: on PostgreSQL, the drill restores the newest pg_dump into a scratch database and a sandbox bscbotd serves it") {
  PgSite site("bb-pg-drill");
  site.add(9);
  site.run_json({"backup"});
  const json drill = site.run_json({"drill"});
  CHECK(drill["ok"] == true);
  std::map<std::string, std::string> details;
  for (const auto& s : drill["steps"]) {
    CHECK_MESSAGE(s["ok"] == true, s.dump());
    details[s["name"]] = s["detail"];
    MESSAGE(s["name"].get<std::string>() << ": " << s["detail"].get<std::string>());
  }
  CHECK(details["verify and restore"].find("bscbot_drill_") != std::string::npos);
  CHECK(details["row counts"].find("trades 9") != std::string::npos);
  CHECK(details["clean up"].find("and the scratch database bscbot_drill_") != std::string::npos);
  CHECK(drill["recovery_ms"].get<double>() > 0);
  test::PgServer& server = test::PgServer::shared();
  CHECK(server.psql(server.superuser_url(), "SELECT COUNT(*) FROM pg_database WHERE datname LIKE 'bscbot_drill_%'") == "0");
  CHECK(site.trades() == "9");  // production untouched
}

}  // TEST_SUITE
