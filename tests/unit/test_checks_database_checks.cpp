#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <fstream>

#include "core/checks/database_checks.hpp"
#include "core/db/database.hpp"
#include "tests/support/scratch.hpp"
#include "tests/support/stores.hpp"

using namespace bscbot::core;
using namespace bscbot::core::checks;
using bscbot::test::Scratch;
namespace fs = std::filesystem;

namespace {

const std::string k_wallet = "0x1111111111111111111111111111111111111111";

fs::path make_db(const Scratch& s) {
  const fs::path p = s / "data/trading-bot.sqlite";
  bscbot::test::sqlite_file_store(p);
  return p;
}

// `completed`, `failed` and `pending` trades created a few minutes ago.
void seed(const fs::path& p, int completed, int failed, int pending, const std::string& gas_fee = "500000000000000") {
  SQLite::Database db(p.string(), SQLite::OPEN_READWRITE);
  auto add = [&](const char* status, int n) {
    for (int i = 0; i < n; ++i) {
      db.exec(fmt::format("INSERT INTO trades (wallet_address, token_in, token_out, amount_in, status, gas_fee, created_at, updated_at) "
                          "VALUES ('{}', 'a', 'b', '1', '{}', '{}', datetime('now', '-5 minutes'), datetime('now', '-5 minutes'))",
                          k_wallet, status, gas_fee));
    }
  };
  add("completed", completed);
  add("failed", failed);
  add("pending", pending);
}

config::Config config_for(const Scratch& s, const std::optional<fs::path>& db_path = std::nullopt) {
  config::LoadOptions o;
  o.config_file = s.write("bscbot.yaml", "");
  o.dotenv_file = s / ".env";
  o.overrides = {{"DATA_DIR", (s / "data").string()}, {"LOG_DIR", (s / "logs").string()}};
  if (db_path) o.overrides["DB_PATH"] = db_path->string();
  return config::load(o);
}

const CheckResult& by_name(const std::vector<CheckResult>& results, const std::string& name) {
  for (const auto& r : results) {
    if (r.name == name) return r;
  }
  FAIL("no check named " << name);
  return results.front();
}

}  // namespace

TEST_CASE("checks: integrity is OK for a sound database, CRIT when missing, not SQLite, or damaged") {
  Scratch s("integrity");
  const fs::path p = make_db(s);
  seed(p, 300, 0, 0);
  auto integrity = [&](const fs::path& db, Integrity depth) {
    return by_name(database_checks(config_for(s, db), depth, system_clock(), statvfs_usage), "database_integrity");
  };
  CHECK(integrity(p, Integrity::quick).status == Status::ok);
  CHECK(integrity(p, Integrity::full).detail.find("integrity_check") != std::string::npos);
  const auto missing = integrity(s / "data/none.sqlite", Integrity::quick);
  CHECK(missing.status == Status::crit);
  CHECK(missing.value == "missing");
  s.write("data/garbage.sqlite", std::string(8192, 'x'));
  CHECK(integrity(s / "data/garbage.sqlite", Integrity::quick).status == Status::crit);

  // Overwrite a page in the middle of the trades table: the checks find the damage.
  {
    SQLite::Database db(p.string(), SQLite::OPEN_READWRITE);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  const auto size = fs::file_size(p);
  REQUIRE(size > 4 * 4096);
  {
    std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size - 2 * 4096) + 16);
    const std::string junk(3000, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  const auto damaged = integrity(p, Integrity::full);
  CHECK(damaged.status == Status::crit);
}

TEST_CASE("checks: database size and days until the disk is full at the last day's growth") {
  Scratch s("db-size");
  const fs::path p = make_db(s);
  const auto now = system_clock().now();
  const Levels days{30, 7};
  const auto bytes = static_cast<double>(fs::file_size(p));
  auto free = [](double bytes_free) { return std::optional<DiskUsage>(DiskUsage{1ULL << 40, 1ULL << 30, static_cast<std::uintmax_t>(bytes_free)}); };
  const auto size = std::optional<std::uintmax_t>(static_cast<std::uintmax_t>(bytes));
  // No samples yet: size only.
  const auto fresh = check_database_size(size, p.string(), std::nullopt, now, free(1e9), days);
  CHECK(fresh.status == Status::ok);
  CHECK(fresh.detail.find("not known yet") != std::string::npos);
  // Grew 1 MB in 24 h: 100 MB free lasts 100 days, 20 MB 20 days, 5 MB 5 days.
  const db::TimedValue day_ago{now - std::chrono::hours(24), bytes - 1e6};
  CHECK(check_database_size(size, p.string(), day_ago, now, free(100e6), days).status == Status::ok);
  CHECK(check_database_size(size, p.string(), day_ago, now, free(20e6), days).status == Status::warn);
  const auto crit = check_database_size(size, p.string(), day_ago, now, free(5e6), days);
  CHECK(crit.status == Status::crit);
  CHECK(crit.detail.find("full in 5 days") != std::string::npos);
  // A server's database: growth without a verdict on a disk we cannot see.
  const auto server = check_database_size(size, "postgresql://db/x", day_ago, now, std::nullopt, days);
  CHECK(server.status == Status::ok);
  CHECK(server.detail.find("not visible from here") != std::string::npos);
  // Less than an hour of samples says nothing about growth.
  const db::TimedValue minutes_ago{now - std::chrono::minutes(10), bytes - 1e6};
  CHECK(check_database_size(size, p.string(), minutes_ago, now, free(1e3), days).status == Status::ok);
  CHECK(check_database_size(std::nullopt, "nope.sqlite", std::nullopt, now, free(1e9), days).status == Status::unknown);
}

TEST_CASE("checks: the 24 h business metrics from seeded trades") {
  const Levels success{95, 90};
  db::TradeStats day;
  day.total = 100;
  day.completed = 97;
  day.failed = 3;
  day.success_rate = 97;
  CHECK(check_success_rate(day, success).status == Status::ok);
  day.success_rate = 92;
  CHECK(check_success_rate(day, success).status == Status::warn);
  day.success_rate = 80;
  CHECK(check_success_rate(day, success).status == Status::crit);
  CHECK(check_success_rate(db::TradeStats{}, success).status == Status::ok);
  db::TradeStats hour;
  hour.total = 1001;
  CHECK(check_trade_volume(day, hour, 1000).status == Status::warn);
  hour.total = 1000;
  CHECK(check_trade_volume(day, hour, 1000).status == Status::ok);

  Scratch s("business");
  const fs::path p = make_db(s);
  seed(p, 9, 1, 0);
  auto results = database_checks(config_for(s), Integrity::quick, system_clock(), statvfs_usage);
  CHECK(by_name(results, "database_integrity").status == Status::ok);
  CHECK(by_name(results, "trades_24h").value == "10");
  CHECK(by_name(results, "success_rate").status == Status::warn);  // 90 %: the warning band includes its edges
  CHECK(by_name(results, "failed_trades").value == "1");
  CHECK(by_name(results, "gas_fee_avg").value == "0.0005 BNB");
}

TEST_CASE("checks: without a database the integrity check is CRIT and the trading checks UNKNOWN") {
  Scratch s("no-db");
  const auto results = database_checks(config_for(s), Integrity::quick, system_clock(), statvfs_usage);
  CHECK(by_name(results, "database_integrity").status == Status::crit);
  CHECK(by_name(results, "database_size").status == Status::unknown);
  CHECK(by_name(results, "success_rate").status == Status::unknown);
  CHECK(by_name(results, "trades_24h").status == Status::unknown);
  CHECK(by_name(results, "database_writable").value == "missing");
  CHECK(results.size() == 7);
}

TEST_CASE("database checks: replication lag is judged on a standby and on a primary's standbys") {
  const Levels levels{10, 60};
  db::ServerFacts primary;
  primary.user = "bscbot";
  CheckResult r = check_replication(primary, levels);
  CHECK(r.name == "replication_lag");
  CHECK(r.status == Status::ok);
  CHECK(r.detail.find("no standby") != std::string::npos);

  primary.standbys.push_back({"replica1", "10.0.0.2", "streaming", 4.5});
  primary.standbys.push_back({"", "10.0.0.3", "catchup", 75.0});
  r = check_replication(primary, levels);
  CHECK(r.status == Status::crit);  // the worst standby decides
  CHECK(r.number == doctest::Approx(75.0));
  CHECK(r.detail.find("replica1 (streaming, 4.5 s)") != std::string::npos);
  CHECK(r.detail.find("10.0.0.3 (catchup, 75 s)") != std::string::npos);  // number_text drops a zero fraction

  db::ServerFacts hidden = primary;
  for (auto& s : hidden.standbys) s.replay_lag_s.reset();
  r = check_replication(hidden, levels);
  CHECK(r.status == Status::unknown);
  CHECK(r.detail.find("grant pg_monitor to bscbot") != std::string::npos);

  db::ServerFacts standby;
  standby.standby = true;
  standby.replay_lag_s = 12.0;
  r = check_replication(standby, levels);
  CHECK(r.status == Status::warn);
  CHECK(r.detail.find("standby") != std::string::npos);
  standby.replay_lag_s.reset();
  CHECK(check_replication(standby, levels).status == Status::unknown);
}
