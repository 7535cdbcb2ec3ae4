// `bscbot db copy`: the manual's "migrate to PostgreSQL" (方案D) and the way back, every table
// from one snapshot, proved by counts and checksums, refused into a non-empty target.
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

const std::string k_max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";

}  // namespace

TEST_SUITE("cli") {

TEST_CASE("cli: db copy moves every table to PostgreSQL and back, proved, and refuses a non-empty target") {
  if (test::testing_pg()) return;  // starts from SQLite on purpose; runs once
  Scratch s("cli-db-copy");
  REQUIRE(test::bscbot({"init", "-q"}, s.path()).exit_code == 0);
  // Rows that test the types: a uint256 at its maximum, NULLs, text with quotes and non-ASCII, a
  // real with every digit, explicit ids with a gap.
  test::sql(s.path(), "INSERT INTO users (id, username, email, role) VALUES (7, 'alice', NULL, 'admin')");
  test::sql(s.path(), "INSERT INTO wallets (id, user_id, address, label) VALUES (3, 7, '0x1111111111111111111111111111111111111111', 'main ''hot'' 钱包')");
  for (int i = 0; i < 2500; ++i) test::insert_trade(s.path(), test::utc_ago(3600 + i), i % 3 ? "completed" : "failed");
  const auto big = test::insert_trade(s.path(), "2026-11-24 02:00:00", "completed", "0x2222222222222222222222222222222222222222", k_max, "1",
                                      "execution reverted: \"INSUFFICIENT\"");
  test::sql(s.path(), "INSERT INTO daemon_state (key, value) VALUES ('next_nonce:0xabc', '42')");
  // Every hash a trade was sent under, signed bytes included (the trade pipeline's table).
  test::sql(s.path(), fmt::format("INSERT INTO trade_transactions (wallet_address, nonce, tx_hash, trade_id, kind, gas_price, raw_tx, epoch, state) "
                                  "VALUES ('0x2222222222222222222222222222222222222222', 4, '0x{:064x}', {}, 'swap', '{}', '0xf86c01', 3, 'mined')",
                                  9, big, k_max));
  test::sql(s.path(), "INSERT INTO metric_samples (sampled_at, name, value) VALUES ('2026-11-24 02:05:00', 'rss_bytes', 0.1234567890123456789)");
  const std::string history_before = test::bscbot({"--json", "trade", "history", "--limit", "1000"}, s.path()).out;

  auto& server = test::PgServer::shared();
  const std::string url = server.create_database("copy-target");
  auto r = test::bscbot({"--json", "db", "copy", "--to", url}, s.path());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json doc = json::parse(r.out);
  CHECK(doc["ok"] == true);
  CHECK(doc["tables"].size() == 6);
  for (const auto& t : doc["tables"]) {
    CAPTURE(t.dump());
    CHECK(t["ok"] == true);
    CHECK(t["source_rows"] == t["target_rows"]);
    CHECK(t["source_checksum"] == t["target_checksum"]);
  }
  // What psql sees there.
  CHECK(server.psql(url, "SELECT COUNT(*) FROM trades") == "2501");
  CHECK(server.psql(url, "SELECT gas_price FROM trade_transactions WHERE nonce = 4") == k_max);
  CHECK(server.psql(url, "SELECT amount_in FROM trades WHERE id = " + std::to_string(big)) == k_max);
  CHECK(server.psql(url, "SELECT label FROM wallets WHERE id = 3") == "main 'hot' 钱包");
  CHECK(server.psql(url, "SELECT error FROM trades WHERE id = " + std::to_string(big)) == "execution reverted: \"INSUFFICIENT\"");
  CHECK(server.psql(url, "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM trades WHERE id = " + std::to_string(big)) ==
        "2026-11-24 02:00:00");
  // Numbering goes on after the copied ids.
  CHECK(server.psql(url, "INSERT INTO users (username) VALUES ('bob') RETURNING id") == "8");

  // A second copy into the same database is refused, and changes nothing there.
  r = test::bscbot({"db", "copy", "--to", url}, s.path());
  CHECK(r.exit_code == 75);
  CHECK(r.err.find("is not empty and differs from the source: users (2 rows)") != std::string::npos);
  CHECK(r.err.find("--force") != std::string::npos);
  CHECK(server.psql(url, "SELECT COUNT(*) FROM users") == "2");
  r = test::bscbot({"--json", "db", "copy", "--to", url, "--force"}, s.path());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(server.psql(url, "SELECT COUNT(*) FROM users") == "1");

  // Not while the daemon writes to the source.
  {
    test::Daemon d(s.path());
    d.start();
    r = test::bscbot({"db", "copy", "--to", (s / "other.sqlite").string()}, s.path(), d.env());
    CHECK(r.exit_code == 75);
    CHECK(r.err.find("bscbotd (pid") != std::string::npos);
    CHECK_FALSE(fs::exists(s / "other.sqlite"));
  }

  // Switch the deployment over: the same history, field for field.
  REQUIRE(test::bscbot({"init", "-q", "--database-url", url}, s.path()).exit_code == 0);
  CHECK(test::bscbot({"--json", "db", "status"}, s.path()).out.find("\"backend\": \"pg\"") != std::string::npos);
  CHECK(test::bscbot({"--json", "trade", "history", "--limit", "1000"}, s.path()).out == history_before);

  // And back from PostgreSQL into a new SQLite file.
  r = test::bscbot({"--json", "db", "copy", "--to", (s / "back.sqlite").string()}, s.path());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto back = test::shell("sqlite3 back.sqlite \"SELECT COUNT(*), MAX(amount_in) FROM trades WHERE amount_in = '" + k_max +
                                    "' OR 1; SELECT value FROM daemon_state; SELECT value FROM metric_samples;\"",
                                s.path());
  CHECK(back.out == "2501|" + k_max + "\n42\n0.123456789012346\n");
  // A bad target is named.
  r = test::bscbot({"db", "copy", "--to", "postgresql://bscbot:wrong@127.0.0.1:" + std::to_string(server.port()) + "/nope"}, s.path());
  CHECK(r.exit_code == 69);
  CHECK(r.err.find("cannot connect to PostgreSQL postgresql://bscbot@127.0.0.1") != std::string::npos);
  CHECK(r.err.find("wrong") == std::string::npos);
}

}  // TEST_SUITE
