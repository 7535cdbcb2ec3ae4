// The history response, byte for byte: a recorded answer for a fixed set of trades (every kind of
// column: NULLs, 78-digit amounts, hashes, errors with quotes and non-ASCII text) that the request
// path must keep producing exactly, whatever is optimised inside it and on either backend.
// To record it again after an intended change: BSCBOT_RECORD_GOLDEN=1.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <fstream>

#include "tests/blackbox/trade_fixture.hpp"
#include "tests/support/deployment.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/scratch.hpp"

namespace fs = std::filesystem;
using namespace bscbot;
using bscbot::test::Scratch;
using nlohmann::json;

namespace {

const fs::path k_golden = fs::path(BSCBOT_SOURCE_DIR) / "tests/golden/history_limit20.json";

// 25 trades, written the way an operator's import would: every value fixed, so the answer is too.
void seed(const fs::path& dir) {
  const std::string max_wei = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
  for (int i = 1; i <= 25; ++i) {
    const std::string at = fmt::format("2026-11-2{} {:02}:{:02}:{:02}", 3 + i % 5, i % 24, (i * 7) % 60, (i * 13) % 60);
    const char* status = i % 7 == 0 ? "failed" : i % 5 == 0 ? "pending" : "completed";
    const bool done = std::string(status) == "completed";
    test::sql(dir, fmt::format(
        "INSERT INTO trades (tx_hash, wallet_address, token_in, token_out, amount_in, amount_out, amount_out_min, path, slippage_bps, "
        "deadline, gas_limit, gas_price, gas_used, gas_fee, nonce, chain_id, block_number, status, error, created_at, updated_at, finalized_at) "
        "VALUES ({}, '0x{:040x}', '0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c', '0x0e09fabb73bd3ade0a17ecc321fd13a19e81ce82', '{}', {}, {}, "
        "'0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c,0x0e09fabb73bd3ade0a17ecc321fd13a19e81ce82', {}, {}, 250000, '5000000000', {}, {}, {}, 56, {}, "
        "'{}', {}, '{}', '{}', {})",
        i % 5 == 0 ? "NULL" : fmt::format("'0x{:064x}'", i * 977), i % 3 + 1, i == 25 ? max_wei : std::to_string(1000000000000000000LL + i * 7919LL),
        done ? fmt::format("'{}'", 2000000000000000000LL + i * 104729LL) : "NULL", done ? "'1990000000000000000'" : "NULL", 50 + i,
        1795000000 + i, done ? std::to_string(120000 + i) : "NULL", done ? fmt::format("'{}'", 600000000000000LL + i) : "NULL", i,
        done ? std::to_string(30000000 + i) : "NULL", status,
        i % 7 == 0 ? "'reverted: \"INSUFFICIENT_OUTPUT_AMOUNT\" — 滑点过大'" : "NULL", at, at, done ? "'" + at + "'" : "NULL"));
  }
}

}  // namespace

TEST_SUITE("daemon") {

TEST_CASE("daemon: the history response is the recorded one, byte for byte") {
  Scratch s("bb-history-bytes");
  REQUIRE(test::init(s.path()).exit_code == 0);
  seed(s.path());
  test::Daemon d(s.path());
  d.start();
  const auto r = d.get("/api/v1/trading/history?limit=20");
  REQUIRE(r.status == 200);
  if (std::getenv("BSCBOT_RECORD_GOLDEN")) {
    std::ofstream(k_golden, std::ios::binary) << r.body;
    MESSAGE("recorded " << k_golden);
  }
  const std::string golden = test::read_text(k_golden);
  CHECK(r.body.size() == golden.size());
  CHECK(r.body == golden);
}

// /api/health changes with every answer (its time, uptime), so its bytes are held to what nlohmann
// writes for the same document, and its members to the ones clients read, with and without a token.
TEST_CASE("daemon: /api/health is written in nlohmann's bytes with every member, for a reader and for anyone") {
  Scratch s("bb-health-bytes");
  const std::map<std::string, std::string> env = {{"JWT_SECRET", test::k_jwt_secret}, {"LOOPBACK_READS_WITHOUT_TOKEN", "false"}};
  test::Daemon d(s.path(), env);
  d.start();
  const std::string token = test::token_for(core::auth::Role::viewer);
  const auto keys = [](const json& object) {
    std::vector<std::string> out;
    for (const auto& [k, _] : object.items()) out.push_back(k);
    return out;
  };
  for (const bool reader : {false, true}) {
    CAPTURE(reader);
    const auto answer = reader ? test::call(d, "GET", "/api/health", token) : d.get("/api/health");
    REQUIRE(answer.status == 200);
    const json body = json::parse(answer.body);
    CHECK(body.dump(-1, ' ', false, json::error_handler_t::replace) == answer.body);
    std::vector<std::string> top = {"backups", "cache", "chain", "database", "environment", "logs", "loop", "pid", "status", "timestamp",
                                    "trade_queue_length", "uptime_seconds", "version", "warnings", "websocket_connections"};
    if (!reader) top.insert(top.begin() + 4, "details");
    CHECK(keys(body) == top);
    std::vector<std::string> database = {"backend", "checked_ms_ago", "disk_full", "error", "free_bytes", "integrity", "locked",
                                         "pool_max", "pool_used", "schema_version", "size_bytes", "state", "writable"};
    if (reader) database.insert(database.begin() + 7, "path");
    CHECK(keys(body["database"]) == database);
    CHECK(keys(body["logs"]) == std::vector<std::string>{"error", "free_bytes", "lost_lines", "needed_bytes", "state"});
    CHECK(keys(body["backups"]) == std::vector<std::string>{"error", "free_bytes", "needed_bytes", "state"});
    CHECK(keys(body["loop"]) == std::vector<std::string>{"last_tick_age_ms", "stall_threshold_ms", "stalled"});
    CHECK(keys(body["cache"]) == std::vector<std::string>{"hit_rate", "hits", "misses", "size"});
    CHECK(body["chain"] == json{{"enabled", false}, {"state", "disabled"}});
    CHECK(body["uptime_seconds"].is_number_float());
    CHECK(body["warnings"] == json::array());
  }
}

}  // TEST_SUITE
