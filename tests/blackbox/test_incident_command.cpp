// bscbot incident against a real deployment: a running daemon, failed trades, error lines in
// the log and a backup; the report is filled with all of them, takes notes, is resolved once,
// and its ID survives hand edits.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/util/clock.hpp"
#include "tests/support/deployment.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/scratch.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bscbot;
using bscbot::test::Daemon;
using bscbot::test::Scratch;

TEST_SUITE("incident") {

TEST_CASE("incident: new fills the manual's template from the live deployment; note, list, show and resolve") {
  Scratch s("incident-live");
  REQUIRE(test::init(s.path()).exit_code == 0);
  test::sql(s.path(), "INSERT INTO trades (wallet_address, token_in, token_out, amount_in, status, error, tx_hash, created_at) VALUES "
                      "('0x1111111111111111111111111111111111111111', 'a', 'b', '2500000000000000000', 'failed', "
                      "'execution reverted: PancakeRouter: INSUFFICIENT_OUTPUT_AMOUNT', '0xfeed', '" + test::utc_ago(120) + "')");
  const std::string hour_ago = core::to_sql_datetime(core::system_clock().now() - std::chrono::hours(1));
  s.write("logs/api-server.1.log", hour_ago + ".000 [error] Database locked: database is locked\n");
  // Taken on an ordinary Tuesday, so no weekly or monthly copy (hard links of the same file) shows
  // up as "the newest backup" instead.
  const auto backup = test::bscbot_at("2026-11-24 02:00:00", {"-q", "backup"}, s.path());
  REQUIRE_MESSAGE(backup.exit_code == 0, backup.err);
  const std::string backup_file = fs::path(backup.out.substr(0, backup.out.find('\n'))).filename().string();
  Daemon d(s.path());
  d.start();
  const auto env = d.env();

  auto r = test::bscbot({"-q", "incident", "new", "--severity", "S1", "bscbotd answers 503 on /api/trading"}, s.path(), env);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string id = r.out.substr(0, r.out.find('\n'));
  CHECK(id.rfind("incident_S1_", 0) == 0);
  const fs::path report = s / "reports" / (id + ".md");
  REQUIRE(fs::exists(report));
  const std::string md = test::read_text(report);
  for (const char* part : {"# Incident Report: S1", "- **Description**: bscbotd answers 503 on /api/trading",
                           "- **Severity**: S1 (Critical, 15-minute response)", "- **Status**: open", "| daemon | OK | ok |",
                           "| database_integrity | OK |", "[error] Database locked: database is locked", "| 0xfeed |", "| 2.5 |",
                           "INSUFFICIENT_OUTPUT_AMOUNT", backup_file.c_str(), "`bscbot restore --latest`",
                           "since detection: 1 failed, 0 pending", "## Root Cause"}) {
    CHECK_MESSAGE(md.find(part) != std::string::npos, std::string(part));
  }

  r = test::bscbot({"incident", "note", id, "restarted bscbotd; 503s stopped"}, s.path(), env);
  CHECK(r.exit_code == 0);
  r = test::bscbot({"--json", "incident", "list"}, s.path(), env);
  json list = json::parse(r.out);
  REQUIRE(list["incidents"].size() == 1);
  CHECK(list["incidents"][0]["id"] == id);
  CHECK(list["incidents"][0]["status"] == "open");
  CHECK(list["incidents"][0]["severity"] == "S1");

  r = test::bscbot({"incident", "resolve", id + ".md", "--note", "lock released by restarting the backup job"}, s.path(), env);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("duration 5m") != std::string::npos);  // detected 5 minutes before it was opened
  r = test::bscbot({"incident", "resolve", id}, s.path(), env);
  CHECK(r.exit_code == 75);
  CHECK(r.err.find("already resolved") != std::string::npos);
  r = test::bscbot({"incident", "show", id}, s.path(), env);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("UTC**: restarted bscbotd; 503s stopped") != std::string::npos);
  CHECK(r.out.find("- **Resolved**: ") != std::string::npos);
  CHECK(r.out.find("- Duration: 5m") != std::string::npos);
  list = json::parse(test::bscbot({"--json", "incident", "list"}, s.path(), env).out);
  CHECK(list["incidents"][0]["status"] == "resolved");
  CHECK(test::bscbot({"incident", "list", "--open"}, s.path(), env).out.find("no open incidents") != std::string::npos);

  // Edited by hand (description reworded): same ID, new description in the list.
  std::string text = test::read_text(report);
  const auto at = text.find("bscbotd answers 503 on /api/trading");
  text.replace(at, std::string("bscbotd answers 503 on /api/trading").size(), "503s from a locked database");
  s.write("reports/" + id + ".md", text);
  list = json::parse(test::bscbot({"--json", "incident", "list"}, s.path(), env).out);
  CHECK(list["incidents"][0]["id"] == id);
  CHECK(list["incidents"][0]["description"] == "503s from a locked database");
}

TEST_CASE("incident: opening one while the daemon is down, and refusing bad input without writing anything") {
  Scratch s("incident-down");
  const std::map<std::string, std::string> env = {{"PORT", std::to_string(test::free_port())}};
  REQUIRE(test::init(s.path(), env).exit_code == 0);
  auto r = test::bscbot({"incident", "new", "--severity", "s2", "--detected", "2020-01-01 08:00:00", "--reporter", "alice", "API down"},
                        s.path(), env);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("health at opening: HEALTH CRIT") != std::string::npos);
  CHECK(r.out.find("bscbot health --watch 5") != std::string::npos);
  const auto files = std::distance(fs::directory_iterator(s / "reports"), fs::directory_iterator());
  CHECK(test::bscbot({"incident", "new", "--severity", "S9", "bad"}, s.path(), env).exit_code != 0);
  CHECK(test::bscbot({"incident", "new", "--severity", "S3", "--detected", "yesterday", "bad"}, s.path(), env).exit_code == 64);
  CHECK(test::bscbot({"incident", "new", "--severity", "S3", "   "}, s.path(), env).exit_code == 64);
  CHECK(std::distance(fs::directory_iterator(s / "reports"), fs::directory_iterator()) == files);
  r = test::bscbot({"incident", "show", "incident_S3_20000101_000000"}, s.path(), env);
  CHECK(r.exit_code == 66);
  CHECK(r.err.find("bscbot incident list") != std::string::npos);
  const json list = json::parse(test::bscbot({"--json", "incident", "list"}, s.path(), env).out);
  REQUIRE(list["incidents"].size() == 1);
  CHECK(list["incidents"][0]["severity"] == "S2");
  const std::string md = test::bscbot({"incident", "show", list["incidents"][0]["id"]}, s.path(), env).out;
  CHECK(md.find("- **Reporter**: alice") != std::string::npos);
  CHECK(md.find("- **Detected**: 2020-01-01 08:00:00 UTC") != std::string::npos);
  CHECK(md.find("| daemon | CRIT | down |") != std::string::npos);
}

}  // TEST_SUITE
