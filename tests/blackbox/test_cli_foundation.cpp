// bscbot init, config, daemon and db, run as an operator runs them.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "core/util/clock.hpp"
#include "tests/support/deployment.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/scratch.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bscbot;
using bscbot::test::Scratch;

TEST_SUITE("cli") {

TEST_CASE("cli: init creates everything once and never overwrites") {
  Scratch s("cli-init");
  auto r = test::init(s.path());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  for (const char* p : {"bscbot.yaml", ".env", "logs", "backups", "reports"}) CHECK_MESSAGE(fs::exists(s / p), p);
  CHECK(fs::exists(s / "data/trading-bot.sqlite") == !test::testing_pg());
  struct stat st {};
  ::stat((s / ".env").c_str(), &st);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(test::read_text(s / ".env").find("JWT_SECRET=") != std::string::npos);
  s.write("bscbot.yaml", "port: 10555\n");
  const std::string env_before = test::read_text(s / ".env");
  test::sql(s.path(), "INSERT INTO users (username) VALUES ('alice')");
  r = test::bscbot({"init", "--json"}, s.path());
  REQUIRE(r.exit_code == 0);
  const auto doc = json::parse(r.out);
  for (const auto& step : doc["steps"]) CHECK(step["result"].get<std::string>().find("kept") != std::string::npos);
  CHECK(test::read_text(s / "bscbot.yaml") == "port: 10555\n");
  CHECK(test::read_text(s / ".env") == env_before);
  CHECK(test::sql(s.path(), "SELECT COUNT(*) FROM users") == "1");
}

TEST_CASE("cli: config show masks secrets and names sources; check rejects bad values") {
  Scratch s("cli-config");
  s.write("bscbot.yaml", "port: 10777\n");
  s.write(".env", "JWT_SECRET=supersecretvalue-that-must-not-print\n");
  auto r = test::bscbot({"config", "show"}, s.path());
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("supersecretvalue") == std::string::npos);
  CHECK(r.out.find("PORT") != std::string::npos);
  CHECK(r.out.find("10777") != std::string::npos);
  CHECK(r.out.find("bscbot.yaml") != std::string::npos);
  r = test::bscbot({"--json", "config", "show"}, s.path());
  const auto doc = json::parse(r.out);
  CHECK(doc["settings"]["PORT"]["source"] == "bscbot.yaml");
  CHECK(doc["settings"]["JWT_SECRET"]["value"].get<std::string>().find("supersecret") == std::string::npos);
  CHECK(doc["settings"]["DEFAULT_GAS_LIMIT"]["value"] == "500000");
  r = test::bscbot({"config", "check"}, s.path());
  CHECK(r.exit_code == 0);
  s.write("bscbot.yaml", "port: 70000\n");
  r = test::bscbot({"config", "check"}, s.path());
  CHECK(r.exit_code == 78);
  CHECK(r.err.find("PORT") != std::string::npos);
  CHECK(r.err.find("70000") != std::string::npos);
  CHECK(r.err.find("bscbot.yaml") != std::string::npos);
  CHECK(r.err.find('\n') == r.err.size() - 1);  // one line
  r = test::bscbot({"--config", "missing.yaml", "config", "check"}, s.path());
  CHECK(r.exit_code == 78);
}

TEST_CASE("cli: config show names the database the backend will open, the SQLite file or the PostgreSQL URL without its password") {
  Scratch s("cli-config-db");
  auto r = test::bscbot({"config", "show"}, s.path(), {{"DB_CLIENT", "sqlite"}, {"DB_PATH", "data/x.sqlite"}});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("database data/x.sqlite  pid file") != std::string::npos);
  const std::map<std::string, std::string> pg = {{"DB_CLIENT", "pg"}, {"DATABASE_URL", "postgresql://bot:hunter2secret@db1:6543/trading?sslmode=require"}};
  r = test::bscbot({"config", "show"}, s.path(), pg);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("database postgresql://bot@db1:6543/trading  pid file") != std::string::npos);
  CHECK(r.out.find("trading-bot.sqlite  pid file") == std::string::npos);
  CHECK(r.out.find("hunter2secret") == std::string::npos);
  const auto doc = json::parse(test::bscbot({"--json", "config", "show"}, s.path(), pg).out);
  CHECK(doc["settings"]["_derived"]["database"] == "postgresql://bot@db1:6543/trading");
  CHECK(doc["settings"]["_derived"]["db_path"].is_null());
}

TEST_CASE("cli: daemon start, status, restart and stop through the pid file") {
  Scratch s("cli-daemon");
  const std::map<std::string, std::string> env = {{"PORT", std::to_string(test::free_port())}};
  REQUIRE(test::init(s.path(), env).exit_code == 0);
  auto r = test::bscbot({"daemon", "status"}, s.path(), env);
  CHECK(r.exit_code == 3);
  r = test::bscbot({"daemon", "start"}, s.path(), env);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  r = test::bscbot({"daemon", "status"}, s.path(), env);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("running") != std::string::npos);
  r = test::bscbot({"--json", "daemon", "status"}, s.path(), env);
  const auto status = json::parse(r.out);
  CHECK(status["running"] == true);
  CHECK(status["health"]["status"] == "ok");
  const int first_pid = status["pid"];
  r = test::bscbot({"daemon", "start"}, s.path(), env);
  CHECK(r.exit_code == 75);
  CHECK(r.err.find("already running") != std::string::npos);
  r = test::bscbot({"daemon", "restart"}, s.path(), env);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const int second_pid = json::parse(test::bscbot({"--json", "daemon", "status"}, s.path(), env).out)["pid"];
  CHECK(second_pid != first_pid);
  r = test::bscbot({"daemon", "stop"}, s.path(), env);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("stopped") != std::string::npos);
  CHECK(test::bscbot({"daemon", "status"}, s.path(), env).exit_code == 3);
  CHECK(test::bscbot({"daemon", "stop"}, s.path(), env).out.find("was not running") != std::string::npos);
}

TEST_CASE("cli: daemon start reports a daemon that dies during start-up") {
  Scratch s("cli-daemon-dies");
  const std::map<std::string, std::string> env = {{"PORT", std::to_string(test::free_port())}};
  REQUIRE(test::init(s.path(), env).exit_code == 0);
  test::sql(s.path(), "INSERT INTO knex_migrations (name, batch) VALUES ('0077_future', 3)");
  const auto r = test::bscbot({"daemon", "start", "--timeout", "10s"}, s.path(), env);
  CHECK(r.exit_code == 69);
  CHECK(r.err.find("schema version 77") != std::string::npos);
}

TEST_CASE("cli: a stale pid file does not fool status or stop") {
  Scratch s("cli-stale");
  const std::map<std::string, std::string> env = {{"PORT", std::to_string(test::free_port())}};
  REQUIRE(test::init(s.path(), env).exit_code == 0);
  s.write("data/bscbotd.pid", "1\n");  // pid 1 is not bscbotd
  auto r = test::bscbot({"--json", "daemon", "status"}, s.path(), env);
  CHECK(r.exit_code == 3);
  CHECK(json::parse(r.out)["stale_pid_file"] == true);
  r = test::bscbot({"daemon", "stop"}, s.path(), env);
  CHECK(r.exit_code == 0);
  CHECK_FALSE(fs::exists(s / "data/bscbotd.pid"));
}

TEST_CASE("cli: db migrate, status, stats, cleanup, vacuum, analyze, check") {
  Scratch s("cli-db");
  test::use_fresh_database(s.path());  // PostgreSQL: an empty database, as a DBA hands one over
  auto r = test::bscbot({"db", "migrate", "--dry-run"}, s.path());
  if (test::testing_pg()) {
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("would apply 0001_initial_schema") != std::string::npos);
  } else {
    CHECK(r.exit_code == 66);  // no file to look at yet
  }
  r = test::bscbot({"db", "migrate"}, s.path());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("applied 0001_initial_schema") != std::string::npos);
  r = test::bscbot({"db", "migrate"}, s.path());
  CHECK(r.out.find("applied") == r.out.find("applied 0001") );  // nothing new
  const std::string old = test::utc_ago(100 * 86400);
  for (int i = 0; i < 10; ++i) test::insert_trade(s.path(), old, "completed");
  test::insert_trade(s.path(), old, "pending");
  test::sql(s.path(), "INSERT INTO trades (wallet_address, token_in, token_out, amount_in) VALUES ('0x1111111111111111111111111111111111111111', 'a', 'b', '1')");
  r = test::bscbot({"--json", "db", "stats"}, s.path());
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["tables"]["trades"] == 12);
  r = test::bscbot({"db", "cleanup", "--older-than", "90d", "--dry-run"}, s.path());
  CHECK(r.out.find("would delete 10 trade(s)") != std::string::npos);
  CHECK(r.out.find("kept 1 pending") != std::string::npos);
  r = test::bscbot({"--json", "db", "cleanup", "--older-than", "90d"}, s.path());
  CHECK(json::parse(r.out)["deleted"] == 10);
  r = test::bscbot({"db", "cleanup", "--older-than", "ninety"}, s.path());
  CHECK(r.exit_code == 64);
  CHECK(r.err.find("'ninety' is not a duration") != std::string::npos);
  CHECK(test::bscbot({"db", "vacuum"}, s.path()).exit_code == 0);
  CHECK(test::bscbot({"db", "analyze"}, s.path()).exit_code == 0);
  r = test::bscbot({"db", "check", "--full"}, s.path());
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(test::testing_pg() ? "full_read: ok" : "integrity_check: ok") != std::string::npos);
  r = test::bscbot({"db", "status"}, s.path());
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("pending") == std::string::npos);
}

TEST_CASE("cli: db stats --trend lists the size bscbotd sampled each day, the change, the average growth and the days to full") {
  Scratch s("cli-db-trend");
  REQUIRE(test::init(s.path()).exit_code == 0);
  const std::string now = "2026-11-28 12:00:00";
  auto r = test::bscbot_at(now, {"db", "stats", "--trend"}, s.path());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("no size samples in the last 30 days") != std::string::npos);
  CHECK(json::parse(test::bscbot_at(now, {"--json", "db", "stats", "--trend"}, s.path()).out)["trend"].empty());

  // Recorded as bscbotd records them, at chosen times (the command runs at `now`, not today).
  {
    auto store = test::deployment_store(s.path());
    const auto sample = [&](const std::string& at, const std::string& name, double value) {
      store->samples().record(core::parse_sql_datetime(at), {{name, value}});
    };
    sample("2026-10-01 09:00:00", "db_file_bytes", 500000);  // outside the 30 days
    sample("2026-11-25 01:00:00", "db_file_bytes", 1000000);
    sample("2026-11-25 23:00:00", "db_file_bytes", 1100000);
    sample("2026-11-26 12:00:00", "db_file_bytes", 1300000);
    sample("2026-11-26 12:00:00", "requests", 99);  // another metric
    sample("2026-11-28 06:00:00", "db_file_bytes", 1900000);
    sample("2026-11-29 06:00:00", "db_file_bytes", 9900000);  // after `now`
  }

  r = test::bscbot_at(now, {"--json", "db", "stats", "--trend"}, s.path());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json doc = json::parse(r.out);
  REQUIRE(doc["trend"].size() == 3);
  CHECK(doc["trend"][0]["day"] == "2026-11-25");
  CHECK(doc["trend"][0]["bytes"] == 1100000.0);  // the day's largest
  CHECK(doc["trend"][0]["change_bytes"].is_null());
  CHECK(doc["trend"][1]["change_bytes"] == 200000.0);
  CHECK(doc["trend"][2]["day"] == "2026-11-28");
  CHECK(doc["trend"][2]["change_bytes"] == 600000.0);
  const double per_day = 800000.0 / 3.0;
  CHECK(doc["per_day_bytes"].get<double>() == doctest::Approx(per_day));
  // Days to full: the free space of the file's filesystem at that growth; a server's disk is not
  // visible from here.
  if (test::testing_pg()) {
    CHECK(doc["free_bytes"].is_null());
    CHECK(doc["days_to_full"].is_null());
  } else {
    REQUIRE(doc["free_bytes"].is_number());
    CHECK(doc["days_to_full"].get<double>() == doctest::Approx(doc["free_bytes"].get<double>() / per_day));
  }

  r = test::bscbot_at(now, {"db", "stats", "--trend"}, s.path());
  CHECK(r.out.find("2026-11-26") != std::string::npos);
  CHECK(r.out.find("1300000") != std::string::npos);  // the size in bytes beside the human one
  CHECK(r.out.find("2026-10-01") == std::string::npos);
  CHECK(r.out.find("2026-11-29") == std::string::npos);
  CHECK(r.out.find("per day on average over 3 day(s)") != std::string::npos);
  CHECK(r.out.find(test::testing_pg() ? "the database server's free space is not visible from here" : " days at this rate") !=
        std::string::npos);
  // --days 2: yesterday and today, one day with samples, no growth figure yet.
  const json two = json::parse(test::bscbot_at(now, {"--json", "db", "stats", "--trend", "--days", "2"}, s.path()).out);
  CHECK(two["trend"].size() == 1);
  CHECK(two["per_day_bytes"].is_null());
  CHECK(two["days_to_full"].is_null());
  CHECK(test::bscbot_at(now, {"db", "stats", "--trend", "--days", "2"}, s.path()).out.find("one day of samples so far") != std::string::npos);
  // --days 60 reaches back to October.
  CHECK(json::parse(test::bscbot_at(now, {"--json", "db", "stats", "--trend", "--days", "60"}, s.path()).out)["trend"].size() == 4);
  r = test::bscbot_at(now, {"db", "stats", "--trend", "--days", "0"}, s.path());
  CHECK(r.exit_code == 64);
  CHECK(r.err.find("--days") != std::string::npos);
}

TEST_CASE("cli: --version, --help and a missing subcommand") {
  Scratch s("cli-help");
  auto r = test::bscbot({"--version"}, s.path());
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("bscbot ") == 0);
  r = test::bscbot({"--help"}, s.path());
  for (const char* c : {"init", "daemon", "db", "config"}) CHECK(r.out.find(c) != std::string::npos);
  r = test::bscbot({}, s.path());
  CHECK(r.exit_code != 0);
  r = test::bscbot({"daemon", "frobnicate"}, s.path());
  CHECK(r.exit_code != 0);
}

}  // TEST_SUITE
