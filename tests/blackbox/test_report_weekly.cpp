// bscbot report weekly from what a real bscbotd sampled: requests answered while it ran are in
// metric_samples and come back out as the week's figures, after the daemon has stopped.
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

namespace {

double sampled(const Scratch& s, const char* name) {
  return std::stod(test::sql(s.path(), std::string("SELECT COALESCE(SUM(value), 0) FROM metric_samples WHERE name = '") + name + "'"));
}

}  // namespace

TEST_SUITE("report") {

TEST_CASE("report: bscbotd samples requests into the database and the weekly report adds them up") {
  Scratch s("report-weekly");
  REQUIRE(test::init(s.path()).exit_code == 0);
  test::sql(s.path(), "INSERT INTO metric_samples (sampled_at, name, value) VALUES ('" + test::utc_ago(40 * 86400) + "', 'requests', 1000)");
  for (int i = 0; i < 4; ++i) test::insert_trade(s.path(), test::utc_ago(2 * 86400), i < 3 ? "completed" : "failed");
  {
    Daemon d(s.path(), {{"METRIC_SAMPLE_INTERVAL_S", "1"}});
    d.start();
    for (int i = 0; i < 50; ++i) CHECK(d.get("/api/health").status == 200);
    // The daemon's first sample also prunes the 40-day-old row.
    CHECK(test::eventually([&] { return sampled(s, "requests") >= 50 && sampled(s, "requests") < 1000; }));
    CHECK(test::eventually([&] { return sampled(s, "db_file_bytes") > 0; }));
    d.stop();
  }
  const auto env = std::map<std::string, std::string>{};
  auto r = test::bscbot({"--json", "report", "weekly", "--output", "-"}, s.path(), env);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json doc = json::parse(r.out);
  CHECK(doc["total"]["requests"].get<double>() >= 51);  // the probe that started the daemon, and ours
  CHECK(doc["total"]["p95_ms"].is_number());
  CHECK(doc["total"]["peak_rss_bytes"].get<double>() > 1e6);
  CHECK(doc["total"]["trades"]["total"] == 4);
  CHECK(doc["total"]["trades"]["success_rate"] == 75.0);
  CHECK(doc["coverage_percent"].get<double>() > 0);
  CHECK(doc["days"].size() == 8);
  CHECK(doc["markdown"].get<std::string>().find("| Trade success rate | 75 % (3 of 4 trades) | > 95 % | CRIT |") != std::string::npos);

  // Written where the command says (named after its own date; test_calendar_dates.cpp checks the
  // names on chosen dates).
  r = test::bscbot({"--json", "report", "weekly"}, s.path(), env);
  REQUIRE(r.exit_code == 0);
  const fs::path file = s / json::parse(r.out)["path"].get<std::string>();
  CHECK(file.filename().string().starts_with("weekly_"));
  REQUIRE(fs::exists(file));
  const std::string md = test::read_text(file);
  CHECK(md.find("# Weekly Performance Report") != std::string::npos);
  CHECK(md.find("| Average response time | ") != std::string::npos);
  CHECK(md.find("| Database query P95 | ") != std::string::npos);
  CHECK(md.find("| Cache hit rate | - | > 70 % | no data |") != std::string::npos);
}

}  // TEST_SUITE
