// bscbot drill on real backups: a good one passes with every step timed; a corrupt one fails
// with a report that says where; production is never touched and nothing is left running.
#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/harness.hpp"
#include "tests/support/scratch.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bscbot;
using bscbot::test::Scratch;

namespace {

void seed(const fs::path& home, int trades) {
  REQUIRE(test::bscbot({"init", "-q"}, home).exit_code == 0);
  SQLite::Database db((home / "data/trading-bot.sqlite").string(), SQLite::OPEN_READWRITE);
  db.exec("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<" + std::to_string(trades) +
          ") INSERT INTO trades (wallet_address, token_in, token_out, amount_in, status, created_at, updated_at) "
          "SELECT '0x1111111111111111111111111111111111111111', 'a', 'b', CAST(i AS TEXT), 'completed', "
          "datetime('now', '-' || i || ' minutes'), datetime('now', '-' || i || ' minutes') FROM c");
}

// The drill's daemon (its pid is in the "start bscbotd" step) must be gone.
bool daemon_gone(const json& doc) {
  for (const auto& step : doc["steps"]) {
    if (step["name"] != "start bscbotd" || step["ok"] != true) continue;
    const std::string detail = step["detail"];
    const std::string pid = detail.substr(4, detail.find(' ', 4) - 4);
    // Gone, or a zombie waiting for a reaper (pid 1 of a container may never reap it).
    const std::string stat = test::read_text("/proc/" + pid + "/stat");
    return stat.empty() || stat.find("(bscbotd) Z") != std::string::npos || stat.find("(bscbotd)") == std::string::npos;
  }
  return true;
}

}  // namespace

TEST_SUITE("drill") {

TEST_CASE("drill: a good backup is restored, served, checked and timed") {
  Scratch s("drill-pass");
  seed(s.path(), 500);
  REQUIRE(test::bscbot({"backup", "-q"}, s.path()).exit_code == 0);
  const std::string live_before = test::read_text(s / "data/trading-bot.sqlite");
  auto r = test::bscbot({"--json", "drill", "--scratch", (s / "scratch").string(), "--report", (s / "reports/drill.md").string()}, s.path());
  REQUIRE_MESSAGE(r.exit_code == 0, std::string(r.out + r.err));
  const auto doc = json::parse(r.out);
  CHECK(doc["ok"] == true);
  CHECK(doc["within_target"] == true);
  CHECK(doc["target_minutes"] == 30);
  CHECK(doc["recovery_ms"].get<long>() > 0);
  std::vector<std::string> names;
  for (const auto& step : doc["steps"]) {
    names.push_back(step["name"]);
    CHECK(step["ok"] == true);
    CHECK(step.contains("duration_ms"));
  }
  for (const char* expected : {"select backup", "verify and restore", "migrate", "start bscbotd", "health", "integrity", "row counts", "newest trade", "stop bscbotd", "clean up"}) {
    CHECK_MESSAGE(std::find(names.begin(), names.end(), expected) != names.end(), expected);
  }
  for (const auto& step : doc["steps"]) {
    if (step["name"] == "row counts") CHECK(step["detail"].get<std::string>().find("trades 500") != std::string::npos);
  }
  const std::string markdown = test::read_text(s / "reports/drill.md");
  CHECK(markdown.find("# Disaster Recovery Drill: PASSED") == 0);
  CHECK(markdown.find("within target") != std::string::npos);
  CHECK(markdown.find("| health | ok |") != std::string::npos);
  // Production untouched, scratch removed, no daemon left behind.
  CHECK(test::read_text(s / "data/trading-bot.sqlite") == live_before);
  CHECK(fs::is_empty(s / "scratch"));
  CHECK(daemon_gone(doc));
}

TEST_CASE("drill: a corrupt backup fails with a report, exit 1, and --keep keeps the evidence") {
  Scratch s("drill-fail");
  seed(s.path(), 200);
  REQUIRE(test::bscbot({"backup", "-q"}, s.path()).exit_code == 0);
  // Damage the middle of the newest backup: the file stays, its pages do not.
  fs::path backup;
  for (const auto& e : fs::recursive_directory_iterator(s / "backups")) {
    if (e.is_regular_file() && e.path().extension() == ".sqlite") backup = e.path();
  }
  REQUIRE(!backup.empty());
  {
    std::fstream f(backup, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(backup) / 2));
    const std::string junk(8192, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto r = test::bscbot({"drill", "--backup", backup.string(), "--scratch", (s / "scratch").string(), "--keep"}, s.path());
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("# Disaster Recovery Drill: FAILED") == 0);
  CHECK(r.out.find("| verify and restore | **FAILED**") != std::string::npos);
  CHECK(r.out.find("| start bscbotd | skipped") != std::string::npos);
  CHECK(r.out.find("not reached") != std::string::npos);
  CHECK(r.out.find("kept at") != std::string::npos);
  CHECK_FALSE(fs::is_empty(s / "scratch"));
  r = test::bscbot({"--json", "drill", "--backup", (s / "nope.sqlite").string(), "--scratch", (s / "scratch2").string()}, s.path());
  CHECK(r.exit_code == 1);
  CHECK(json::parse(r.out)["steps"][0]["detail"].get<std::string>().find("does not exist") != std::string::npos);
}

TEST_CASE("drill: no backups at all is a failed drill that says what to do") {
  Scratch s("drill-none");
  seed(s.path(), 1);
  const auto r = test::bscbot({"drill", "--scratch", (s / "scratch").string()}, s.path());
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("run `bscbot backup` first") != std::string::npos);
}

}  // TEST_SUITE
