// Every SQL statement of the operations manual, run unchanged by the sqlite3 shell against a
// migrated database, with the answers they must give.
#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <map>
#include <memory>

#include "core/config/config.hpp"
#include "core/db/database.hpp"
#include "core/db/sqlite/planner_stats.hpp"
#include "core/db/store.hpp"
#include "core/util/clock.hpp"
#include "tests/support/postgres.hpp"
#include "tests/support/scratch.hpp"

using namespace bscbot::core;
using bscbot::test::Scratch;

namespace {

struct ShellResult {
  int status;
  std::string out;
};

ShellResult sqlite_shell(const std::filesystem::path& db, const std::string& sql) {
  const std::string command = "sqlite3 '" + db.string() + "' 2>&1 <<'BSCBOT_SQL'\n" + sql + "\nBSCBOT_SQL";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  std::string out;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe.get())) out += buf.data();
  const int status = pclose(pipe.release());
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return {status, out};
}

// The same four trades on either backend: three in the last day (two wallets, two completed,
// one failed), one 100 days old.
void seed(db::Store& store) {
  db::TradeStore& repo = store.trades();
  auto add = [&](const char* wallet, const char* amount, int seconds_ago, const char* status, const char* gas_fee) {
    db::NewTrade t;
    t.wallet_address = wallet;
    t.token_in = "0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c";
    t.token_out = "0x0e09fabb73bd3ade0a17ecc321fd13a19e81ce82";
    t.amount_in = Wei::require(amount, "amount");
    t.created_at = std::chrono::time_point_cast<std::chrono::seconds>(system_clock().now()) - std::chrono::seconds(seconds_ago);
    const auto id = repo.insert(t);
    const db::TradeReceipt receipt{21000, Wei::require(gas_fee, "gas_fee"), 1};
    if (std::string(status) == "completed") repo.complete(id, Wei::require("1", "out"), receipt);
    if (std::string(status) == "failed") repo.fail(id, "reverted", receipt, db::KeepTxHash::yes);
  };
  add("0x1111111111111111111111111111111111111111", "1000000000000000000", 3600, "completed", "1000");
  add("0x1111111111111111111111111111111111111111", "2000000000000000000", 7200, "completed", "3000");
  add("0x2222222222222222222222222222222222222222", "3000000000000000000", 10800, "failed", "2000");
  add("0x3333333333333333333333333333333333333333", "5000", 100 * 86400, "completed", "10");
}

std::unique_ptr<db::Store> open(const std::map<std::string, std::string>& overrides, const Scratch& scratch) {
  config::LoadOptions load;
  load.config_file = scratch.write("store.yaml", "");
  load.dotenv_file = scratch / "no.env";
  load.overrides = overrides;
  auto store = db::open_store(config::load(load), db::Access::create);
  store->migrate();
  return store;
}

struct Seeded {
  Scratch scratch{"manual-sql"};
  std::filesystem::path path = scratch / "data" / "trading-bot.sqlite";
  Seeded() { seed(*open({{"DB_PATH", path.string()}}, scratch)); }
};

// The manual's PostgreSQL database, named as it names it: bsc_trading_bot.
struct PgSeeded {
  Scratch scratch{"manual-psql"};
  bscbot::test::PgServer& server = bscbot::test::PgServer::shared();
  std::string url;
  PgSeeded() {
    server.psql(server.superuser_url(), "DROP DATABASE IF EXISTS bsc_trading_bot WITH (FORCE)");
    server.psql(server.superuser_url(), "CREATE DATABASE bsc_trading_bot OWNER bscbot");
    const std::string any = server.create_database("unused");
    url = any.substr(0, any.rfind('/')) + "/bsc_trading_bot";
    seed(*open({{"DB_CLIENT", "pg"}, {"DATABASE_URL", url}}, scratch));
  }
  std::string psql(const std::string& sql) { return server.psql(url, sql); }
};

}  // namespace

TEST_CASE("manual sql: daily, monthly and business queries answer correctly") {
  Seeded s;
  CHECK(sqlite_shell(s.path, "SELECT COUNT(*) FROM trades;").out == "4");
  CHECK(sqlite_shell(s.path, "SELECT COUNT(*) FROM trades WHERE created_at > datetime('now', '-1 day');").out == "3");
  CHECK(sqlite_shell(s.path, "SELECT COUNT(DISTINCT wallet_address) FROM trades WHERE created_at > datetime('now', '-30 days');").out == "2");
  CHECK(sqlite_shell(s.path, "SELECT\n    (COUNT(CASE WHEN status='completed' THEN 1 END) * 100.0 / COUNT(*)) as success_rate\n"
                        "   FROM trades WHERE created_at > datetime('now', '-1 day');")
            .out.rfind("66.66", 0) == 0);
  CHECK(sqlite_shell(s.path, "SELECT AVG(CAST(gas_fee AS REAL)) FROM trades WHERE created_at > datetime('now', '-1 day');").out == "2000.0");
  CHECK(sqlite_shell(s.path, "SELECT status, COUNT(*) FROM trades\n   WHERE created_at > datetime('now', '-1 day')\n   GROUP BY status;").out ==
        "completed|2\nfailed|1");
  CHECK(sqlite_shell(s.path, "SELECT COUNT(*) as total,\n          SUM(CASE WHEN status='completed' THEN 1 ELSE 0 END) as success,\n"
                        "          SUM(CASE WHEN status='failed' THEN 1 ELSE 0 END) as failed\n"
                        "   FROM trades WHERE created_at > datetime('now', '-1 day');")
            .out == "3|2|1");
}

TEST_CASE("manual sql: verification and audit queries run") {
  Seeded s;
  CHECK(sqlite_shell(s.path, "PRAGMA integrity_check;").out == "ok");
  const auto tables = sqlite_shell(s.path, ".tables").out;
  for (const char* t : {"trades", "users", "wallets", "knex_migrations"}) CHECK(tables.find(t) != std::string::npos);
  CHECK(sqlite_shell(s.path, "SELECT MAX(created_at) FROM trades;").out.size() == 19);
  // The manual's suspicious-trade query runs; it compares amounts as text, so `bscbot audit`
  // makes the exact comparison instead (see test_db_trade_repository).
  const auto suspicious = sqlite_shell(s.path, "SELECT COUNT(*) FROM trades\nWHERE amount_in > 1000000000000000000000 -- > 1000 BNB\n   OR created_at != updated_at;");
  CHECK(suspicious.status == 0);
}

TEST_CASE("manual sql: performance section runs and the wallet query uses the manual's index") {
  Seeded s;
  const auto plan = sqlite_shell(s.path, "EXPLAIN QUERY PLAN\nSELECT * FROM trades WHERE wallet_address = '0x...' ORDER BY created_at DESC LIMIT 20;").out;
  CHECK(plan.find("idx_trades_wallet_created") != std::string::npos);
  CHECK(plan.find("SCAN trades") == std::string::npos);
  CHECK(sqlite_shell(s.path, "CREATE INDEX IF NOT EXISTS idx_trades_wallet_created ON trades(wallet_address, created_at DESC);\n"
                        "CREATE INDEX IF NOT EXISTS idx_trades_status ON trades(status);\n"
                        "CREATE INDEX IF NOT EXISTS idx_trades_tx_hash ON trades(tx_hash);")
            .status == 0);
  const auto indexes = sqlite_shell(s.path, ".indexes").out;
  CHECK(indexes.find("idx_trades_tx_hash") != std::string::npos);
  CHECK(sqlite_shell(s.path, ".timer ON\nSELECT COUNT(*) FROM trades WHERE created_at > datetime('now', '-7 days');\n"
                        "SELECT * FROM trades ORDER BY created_at DESC LIMIT 100;")
            .status == 0);
  CHECK(sqlite_shell(s.path, "SELECT id, tx_hash, wallet_address, amount_in, amount_out, status, created_at\nFROM trades\n"
                        "WHERE created_at > '2024-01-01'\nORDER BY created_at DESC\nLIMIT 100;")
            .out.find("|completed|") != std::string::npos);
  CHECK(sqlite_shell(s.path, "SELECT * FROM trades WHERE created_at > '2024-01-01' ORDER BY created_at DESC;").status == 0);
}

TEST_CASE("manual sql: the 24 h business queries read the created_at index, never every trade") {
  Seeded s;
  const std::string day = "FROM trades WHERE created_at > datetime('now', '-1 day')";
  for (const std::string& query :
       {"SELECT COUNT(*) " + day + ";",
        "SELECT (COUNT(CASE WHEN status='completed' THEN 1 END) * 100.0 / COUNT(*)) as success_rate " + day + ";",
        "SELECT AVG(CAST(gas_fee AS REAL)) " + day + ";"}) {
    CAPTURE(query);
    const auto plan = sqlite_shell(s.path, "EXPLAIN QUERY PLAN " + query).out;
    CHECK(plan.find("COVERING INDEX idx_trades_created_at (created_at>?)") != std::string::npos);
    CHECK(plan.find("SCAN trades") == std::string::npos);
  }
}

// The breakdown skip-scans (status, created_at): already grouped, no sort. On four trades, as on
// millions, because migration 7 gave that index its statistics (1000000 250000 1 where ANALYZE
// never ran, as here).
TEST_CASE("manual sql: the status breakdown seeks each status's last day, with no sort and never every trade") {
  Seeded s;
  const std::string breakdown = "SELECT status, COUNT(*) FROM trades WHERE created_at > datetime('now', '-1 day') GROUP BY status;";
  const std::string searches = "SEARCH trades USING COVERING INDEX idx_trades_status_created (ANY(status) AND created_at>?)";
  auto plan = [&] { return sqlite_shell(s.path, "EXPLAIN QUERY PLAN " + breakdown).out; };
  CHECK(plan().find(searches) != std::string::npos);
  CHECK(plan().find("TEMP B-TREE") == std::string::npos);
  CHECK(plan().find("SCAN trades") == std::string::npos);
  CHECK(sqlite_shell(s.path, "SELECT stat FROM sqlite_stat1 WHERE idx = 'idx_trades_status_created';").out == "1000000 250000 1");
  CHECK(sqlite_shell(s.path, breakdown).out == "completed|2\nfailed|1");

  // The manual's CREATE INDEX IF NOT EXISTS lines stay no-ops.
  sqlite_shell(s.path, "CREATE INDEX IF NOT EXISTS idx_trades_status ON trades(status);");
  CHECK(plan().find(searches) != std::string::npos);

  // A bare ANALYZE of four trades measures too few per status for a skip-scan, and SQLite then
  // reads the whole index; `bscbot db analyze` (Store::analyze) measures, then puts the row back.
  sqlite_shell(s.path, "ANALYZE;");
  CHECK(plan().find("SCAN trades") != std::string::npos);
  Scratch scratch{"manual-sql-analyze"};
  open({{"DB_PATH", s.path.string()}}, scratch)->analyze();
  CHECK(plan().find(searches) != std::string::npos);
  CHECK(sqlite_shell(s.path, breakdown).out == "completed|2\nfailed|1");
  // Figures that search (a real table's) are kept as measured.
  sqlite_shell(s.path, "UPDATE sqlite_stat1 SET stat = '5000 2500 1' WHERE idx = 'idx_trades_status_created';");
  SQLite::Database db(s.path.string(), SQLite::OPEN_READWRITE);
  CHECK_FALSE(db::sqlite::keep_status_breakdown_searching(db));
  CHECK(sqlite_shell(s.path, "SELECT stat FROM sqlite_stat1 WHERE idx = 'idx_trades_status_created';").out == "5000 2500 1");
  sqlite_shell(s.path, "UPDATE sqlite_stat1 SET stat = '4 4 1' WHERE idx = 'idx_trades_status_created';");
  SQLite::Database reopened(s.path.string(), SQLite::OPEN_READWRITE);
  CHECK(db::sqlite::keep_status_breakdown_searching(reopened));
  CHECK(sqlite_shell(s.path, "SELECT stat FROM sqlite_stat1 WHERE idx = 'idx_trades_status_created';").out == "4 20 1");
}

TEST_CASE("manual sql: the oldest and newest trade and the highest id are index seeks, never every trade") {
  Seeded s;
  const auto plan = [&](const std::string& sql) { return sqlite_shell(s.path, "EXPLAIN QUERY PLAN " + sql + ";").out; };
  CHECK(plan(db::k_trade_ends_sql).find("SCAN trades") == std::string::npos);
  // What it replaces: several aggregates in one SELECT lose SQLite's min/max optimisation.
  CHECK(plan("SELECT MAX(created_at), MAX(id) FROM trades").find("SCAN trades") != std::string::npos);
  const auto ends = sqlite_shell(s.path, std::string(db::k_trade_ends_sql) + ";").out;
  CHECK(ends == sqlite_shell(s.path, "SELECT MIN(created_at), MAX(created_at), MAX(id) FROM trades;").out);
}

TEST_CASE("manual sql: nightly maintenance deletes old trades and vacuums") {
  Seeded s;
  CHECK(sqlite_shell(s.path, "DELETE FROM trades WHERE created_at < datetime('now', '-90 days');").status == 0);
  CHECK(sqlite_shell(s.path, "SELECT COUNT(*) FROM trades;").out == "3");
  CHECK(sqlite_shell(s.path, "VACUUM;").status == 0);
  CHECK(sqlite_shell(s.path, "VACUUM; ANALYZE;").status == 0);
  CHECK(sqlite_shell(s.path, "PRAGMA journal_mode;").out == "wal");
}

TEST_CASE("manual sql: the PostgreSQL lines and the business queries' PostgreSQL forms run unchanged in psql") {
  PgSeeded s;
  // Daily 23:00: size, 90-day cleanup, VACUUM ANALYZE.
  CHECK(s.psql("SELECT pg_size_pretty(pg_database_size('bsc_trading_bot'));").find("kB") != std::string::npos);
  CHECK(s.psql("SELECT COUNT(*) FROM trades;") == "4");
  // The business metrics, in PostgreSQL's words.
  CHECK(s.psql("SELECT COUNT(*) FROM trades WHERE created_at > NOW() - INTERVAL '1 day';") == "3");
  CHECK(s.psql("SELECT (COUNT(CASE WHEN status='completed' THEN 1 END) * 100.0 / COUNT(*)) as success_rate "
               "FROM trades WHERE created_at > NOW() - INTERVAL '1 day';")
            .rfind("66.66", 0) == 0);
  CHECK(s.psql("SELECT AVG(gas_fee) FROM trades WHERE created_at > NOW() - INTERVAL '1 day';").rfind("2000", 0) == 0);
  CHECK(s.psql("SELECT status, COUNT(*) FROM trades WHERE created_at > NOW() - INTERVAL '1 day' GROUP BY status ORDER BY status;") ==
        "completed|2\nfailed|1");
  CHECK(s.psql("SELECT COUNT(DISTINCT wallet_address) FROM trades WHERE created_at > NOW() - INTERVAL '30 days';") == "2");
  CHECK(s.psql("SELECT SUM(amount_in) FROM trades WHERE created_at > NOW() - INTERVAL '1 day';") == "6000000000000000000");
  // Amounts are exact numbers here: the manual's > 1000 BNB test compares them as numbers.
  CHECK(s.psql("SELECT COUNT(*) FROM trades WHERE amount_in > 1000000000000000000000;") == "0");
  CHECK(s.psql("DELETE FROM trades WHERE created_at < NOW() - INTERVAL '90 days';").empty());
  CHECK(s.psql("SELECT COUNT(*) FROM trades;") == "3");
  CHECK(s.psql("VACUUM ANALYZE;").empty());
}
