// Every SQL statement of the operations manual, run unchanged by the sqlite3 shell against a
// migrated database, with the answers they must give.
#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <memory>

#include "core/db/database.hpp"
#include "core/db/migrations.hpp"
#include "core/db/trade_repository.hpp"
#include "core/util/clock.hpp"
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

struct Seeded {
  Scratch scratch{"manual-sql"};
  std::filesystem::path path = scratch / "data" / "trading-bot.sqlite";
  Seeded() {
    auto db = db::open_database(path, db::Access::create);
    db::migrate(*db, path.string());
    db::TradeRepository repo(*db);
    auto add = [&](const char* wallet, const char* amount, int seconds_ago, const char* status, const char* gas_fee) {
      db::NewTrade t;
      t.wallet_address = wallet;
      t.token_in = "0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c";
      t.token_out = "0x0e09fabb73bd3ade0a17ecc321fd13a19e81ce82";
      t.amount_in = amount;
      t.created_at = to_sql_datetime(system_clock().now() - std::chrono::seconds(seconds_ago));
      const auto id = repo.insert(t);
      if (std::string(status) != "pending") {
        SQLite::Statement q(*db, "UPDATE trades SET status = ?, gas_fee = ?, updated_at = created_at, finalized_at = created_at WHERE id = ?");
        q.bind(1, status);
        q.bind(2, gas_fee);
        q.bind(3, id);
        q.exec();
      }
    };
    add("0x1111111111111111111111111111111111111111", "1000000000000000000", 3600, "completed", "1000");
    add("0x1111111111111111111111111111111111111111", "2000000000000000000", 7200, "completed", "3000");
    add("0x2222222222222222222222222222222222222222", "3000000000000000000", 10800, "failed", "2000");
    add("0x3333333333333333333333333333333333333333", "5000", 100 * 86400, "completed", "10");
  }
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
        "SELECT AVG(CAST(gas_fee AS REAL)) " + day + ";", "SELECT status, COUNT(*) " + day + " GROUP BY status;"}) {
    CAPTURE(query);
    const auto plan = sqlite_shell(s.path, "EXPLAIN QUERY PLAN " + query).out;
    CHECK(plan.find("COVERING INDEX idx_trades_created_at (created_at>?)") != std::string::npos);
    CHECK(plan.find("SCAN trades") == std::string::npos);
  }
  // Even after the manual's own CREATE INDEX IF NOT EXISTS lines, which must stay no-ops.
  sqlite_shell(s.path, "CREATE INDEX IF NOT EXISTS idx_trades_status ON trades(status);\nANALYZE;");
  CHECK(sqlite_shell(s.path, "EXPLAIN QUERY PLAN SELECT status, COUNT(*) " + day + " GROUP BY status;").out.find("SCAN trades") ==
        std::string::npos);
}

TEST_CASE("manual sql: nightly maintenance deletes old trades and vacuums") {
  Seeded s;
  CHECK(sqlite_shell(s.path, "DELETE FROM trades WHERE created_at < datetime('now', '-90 days');").status == 0);
  CHECK(sqlite_shell(s.path, "SELECT COUNT(*) FROM trades;").out == "3");
  CHECK(sqlite_shell(s.path, "VACUUM;").status == 0);
  CHECK(sqlite_shell(s.path, "VACUUM; ANALYZE;").status == 0);
  CHECK(sqlite_shell(s.path, "PRAGMA journal_mode;").out == "wal");
}
