// bscbot health against a real bscbotd, a real database with seeded trades, a log with error
// lines and the real /proc and disks: each check driven to its states through its thresholds
// and inputs, with the monitoring-plugin exit codes.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "core/util/clock.hpp"
#include "tests/support/deployment.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/scratch.hpp"

namespace fs = std::filesystem;
namespace beast = boost::beast;
namespace net = boost::asio;
using nlohmann::json;
using namespace bscbot;
using bscbot::test::Daemon;
using bscbot::test::Scratch;

namespace {

using Env = std::map<std::string, std::string>;

// Host figures (CPU, memory, disk) depend on the machine the tests run on: levels they can
// never reach keep a healthy deployment OK everywhere.
const Env k_host_neutral = {{"CPU_WARN_PCT", "6000"},         {"CPU_CRIT_PCT", "6000"},        {"HOST_MEMORY_WARN_PCT", "100"},
                            {"HOST_MEMORY_CRIT_PCT", "100"}, {"DISK_USAGE_WARN_PCT", "100"}, {"DISK_USAGE_CRIT_PCT", "100"},
                            {"DISK_IO_WARN_PCT", "101"},      {"DISK_IO_CRIT_PCT", "101"}};

Env with(Env base, const Env& more) {
  for (const auto& [k, v] : more) base[k] = v;
  return base;
}

// `n` trades with `status`, created `minutes_ago`, with a 0.0005 BNB gas fee.
void seed(const Scratch& s, const char* status, int n, int minutes_ago) {
  const std::string at = test::utc_ago(minutes_ago * 60);
  for (int i = 0; i < n; ++i) test::insert_trade(s.path(), at, status, "0x1111111111111111111111111111111111111111", "1000", "500000000000000");
}

// Error lines in a rotated log file, as bscbotd writes them, dated an hour ago.
void log_errors(const Scratch& s, int n) {
  const std::string when = core::to_sql_datetime(core::system_clock().now() - std::chrono::hours(1));
  std::string text;
  for (int i = 0; i < n; ++i) text += fmt::format("{}.{:03} [error] Database locked: database is locked ({})\n", when, i, i);
  s.write("logs/api-server.1.log", text);
}

json health_json(const Scratch& s, const Env& env, std::vector<std::string> args = {}) {
  args.insert(args.begin(), {"--json", "health"});
  const auto r = test::bscbot(args, s.path(), env);
  INFO(r.err);
  const json doc = json::parse(r.out);
  CHECK(r.exit_code == doc["exit_code"].get<int>());
  return doc;
}

std::string status_of(const json& doc, const std::string& name) {
  for (const auto& c : doc["checks"]) {
    if (c["name"] == name) return c["status"];
  }
  return "absent";
}

struct WsClient {
  net::io_context ioc;
  beast::websocket::stream<beast::tcp_stream> ws{ioc};
  explicit WsClient(int port) {
    beast::get_lowest_layer(ws).connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    ws.handshake("127.0.0.1", "/ws");
  }
};

}  // namespace

TEST_SUITE("health") {

TEST_CASE("health: a healthy deployment is OK on every check, exit 0, in well under a second") {
  Scratch s("health-ok");
  REQUIRE(test::init(s.path()).exit_code == 0);
  seed(s, "completed", 20, 10);
  Daemon d(s.path());
  d.start();
  const Env env = with(d.env(), k_host_neutral);
  const json doc = health_json(s, env);
  CHECK(doc["status"] == "OK");
  CHECK(doc["exit_code"] == 0);
  // PostgreSQL adds replication_lag (a primary without standbys: OK).
  const std::size_t checks = test::testing_pg() ? 28 : 27;
  CHECK(doc["checks"].size() == checks);
  for (const auto& c : doc["checks"]) CHECK_MESSAGE(c["status"] == "OK", c.dump());
  CHECK(status_of(doc, "daemon") == "OK");
  for (const auto& c : doc["checks"]) {
    if (c["name"] == "trades_24h") CHECK(c["value"] == "20");
    if (c["name"] == "success_rate") CHECK(c["number"] == 100.0);
    if (c["name"] == "gas_fee_avg") CHECK(c["value"] == "0.0005 BNB");
    if (c["name"] == "memory_daemon") CHECK(c["number"].get<double>() > 1.0);
    // Judged on both backends: from the file on SQLite, from pg_database_size on PostgreSQL.
    if (c["name"] == "disk_backups") CHECK_MESSAGE(c["detail"].get<std::string>().find("the next backup needs about") != std::string::npos, c.dump());
  }

  // Human output: a table, no colour off a terminal; --quiet: the one-line verdict.
  auto r = test::bscbot({"health"}, s.path(), env);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("CHECK ") != std::string::npos);
  CHECK(r.out.find("database_integrity") != std::string::npos);
  CHECK(r.out.find("\x1b[") == std::string::npos);
  r = test::bscbot({"-q", "health"}, s.path(), env);
  CHECK(r.out.rfind(fmt::format("HEALTH OK - {} checks in ", checks), 0) == 0);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);

  CHECK(test::eventually([&] { return d.get("/api/metrics").body.find("host_cpu_usage_ratio") != std::string::npos; }));
  // Where the data folder is on a disk bscbotd measures, health takes its figure instead of
  // waiting 100 ms to measure the disk itself.
  if (test::eventually([&] { return d.get("/api/metrics").body.find("disk_io_window_seconds{") != std::string::npos; }, std::chrono::seconds(3))) {
    const json report = health_json(s, env);  // kept: the loop must not outlive the document it walks
    for (const auto& c : report["checks"]) {
      if (c["name"] == "disk_io") CHECK_MESSAGE(c["detail"].get<std::string>().find("measured by bscbotd") != std::string::npos, c.dump());
    }
  } else {
    MESSAGE("bscbotd publishes no disk I/O here (no block device under the scratch folder)");
  }

  // --watch repeats, --count stops it.
  r = test::bscbot({"-q", "health", "--watch", "1", "--count", "2"}, s.path(), env);
  CHECK(r.exit_code == 0);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 2);
}

TEST_CASE("health: bscbotd's scheduled quick check stands in for health's own; health checks itself when the daemon is down or with --full") {
  Scratch s("health-integrity-verdict");
  REQUIRE(test::init(s.path()).exit_code == 0);
  Daemon d(s.path());
  d.start();
  json published;
  REQUIRE(test::eventually([&] {
    published = json::parse(d.get("/api/health").body)["database"]["integrity"];
    return published.is_object();
  }));
  CHECK(published["result"] == "ok");
  CHECK(published["age_seconds"].get<int>() >= 0);
  CHECK(d.get("/api/metrics").body.find("bscbotd_db_integrity_ok 1") != std::string::npos);
  const Env env = with(d.env(), k_host_neutral);
  auto detail_of = [](const json& doc) {
    for (const auto& c : doc["checks"]) {
      if (c["name"] == "database_integrity") return c["detail"].get<std::string>();
    }
    return std::string("absent");
  };
  const json doc = health_json(s, env);
  CHECK(status_of(doc, "database_integrity") == "OK");
  CHECK_MESSAGE(detail_of(doc).find(" by bscbotd ") != std::string::npos, detail_of(doc));
  const json full = health_json(s, env, {"--full"});
  CHECK(status_of(full, "database_integrity") == "OK");
  CHECK(detail_of(full).find("bscbotd") == std::string::npos);
  d.stop();
  const json down = health_json(s, env);
  CHECK(status_of(down, "database_integrity") == "OK");
  CHECK(detail_of(down).find("bscbotd") == std::string::npos);
}

TEST_CASE("health: a damaged page found by bscbotd's own check makes /api/health 503 and the health check CRIT, with what it found") {
  if (test::testing_pg()) return;  // a SQLite file's page
  Scratch s("health-integrity-damaged");
  REQUIRE(test::init(s.path()).exit_code == 0);
  const fs::path db = s / "data/trading-bot.sqlite";
  std::int64_t page_size = 0, pages = 0;
  {
    // Enough trades for pages that nothing reads at start-up; closed, so all of it is in the file.
    SQLite::Database w(db.string(), SQLite::OPEN_READWRITE);
    w.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
           "INSERT INTO trades (wallet_address, token_in, token_out, amount_in, status, created_at, updated_at) "
           "SELECT '0x1111111111111111111111111111111111111111', '0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c', "
           "'0x0e09fabb73bd3ade0a17ecc321fd13a19e81ce82', '1000', 'completed', '2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM n");
    w.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    page_size = w.execAndGet("PRAGMA page_size").getInt64();
    pages = w.execAndGet("PRAGMA page_count").getInt64();
  }
  {
    std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp((pages - 1) * page_size);
    const std::string garbage(static_cast<std::size_t>(page_size), '\xff');
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  Daemon d(s.path());
  d.start();
  core::net::HttpResponse h;
  REQUIRE(test::eventually([&] {
    h = d.get("/api/health");
    return h.status == 503;
  }));
  const json body = json::parse(h.body);
  CHECK(body["reason"].get<std::string>().find("database damaged: PRAGMA quick_check found:") != std::string::npos);
  CHECK(body["database"]["integrity"]["result"] != "ok");
  CHECK(d.get("/api/metrics").body.find("bscbotd_db_integrity_ok 0") != std::string::npos);
  const json doc = health_json(s, with(d.env(), k_host_neutral));
  CHECK(status_of(doc, "database_integrity") == "CRIT");
  CHECK(test::read_text(s / "logs/api-server.log").find("Database integrity: PRAGMA quick_check") != std::string::npos);
}

TEST_CASE("health: thresholds and real inputs drive the checks to WARN (exit 1) and CRIT (exit 2)") {
  Scratch s("health-levels");
  REQUIRE(test::init(s.path()).exit_code == 0);
  seed(s, "completed", 9, 10);  // 10 trades in the last hour, 90 % completed
  seed(s, "failed", 1, 10);
  log_errors(s, 3);
  Daemon d(s.path());
  d.start();
  WsClient first(d.port());
  CHECK(test::eventually([&] { return json::parse(d.get("/api/health").body)["websocket_connections"] == 1; }));

  const Env warn = with(d.env(), {{"MEMORY_WARN_MB", "1"},        {"MEMORY_CRIT_MB", "100000"},    {"DISK_USAGE_WARN_PCT", "0"},
                                  {"DISK_USAGE_CRIT_PCT", "100"}, {"LOG_ERRORS_WARN", "1"},        {"LOG_ERRORS_CRIT", "1000"},
                                  {"TRADES_PER_HOUR_WARN", "5"},   {"ERROR_RATE_WARN_PCT", "0"},    {"ERROR_RATE_CRIT_PCT", "100"},
                                  {"WS_CONNECTIONS_WARN", "1"},    {"WS_CONNECTIONS_CRIT", "1000"}, {"HOST_MEMORY_WARN_PCT", "0"},
                                  {"HOST_MEMORY_CRIT_PCT", "100"}, {"CPU_WARN_PCT", "0"},           {"CPU_CRIT_PCT", "6000"},
                                  {"DISK_IO_WARN_PCT", "101"},     {"DISK_IO_CRIT_PCT", "101"}});
  json doc = health_json(s, warn);
  CHECK(doc["exit_code"] == 1);
  for (const char* name : {"memory_daemon", "disk_data", "disk_logs", "log_errors", "trades_24h", "success_rate", "error_rate",
                           "websocket_connections", "memory_host", "cpu_host", "cpu_daemon"}) {
    CHECK_MESSAGE(status_of(doc, name) == "WARN", name);
  }
  CHECK(status_of(doc, "daemon") == "OK");
  CHECK(status_of(doc, "database_integrity") == "OK");
  // The WebSocket client's connection counts against HTTP_MAX_CONNECTIONS (the manual's netstat).
  const json tight = health_json(s, with(d.env(), {{"HTTP_MAX_CONNECTIONS", "1"}}));
  CHECK(status_of(tight, "tcp_connections") == "CRIT");

  // CRIT: the same inputs against tighter levels, a second WebSocket client, a 24 h
  // database growth that fills the disk in hours.
  WsClient second(d.port());
  CHECK(test::eventually([&] { return json::parse(d.get("/api/health").body)["websocket_connections"] == 2; }));
  test::sql(s.path(), "INSERT INTO metric_samples (sampled_at, name, value) VALUES ('" + test::utc_ago(23 * 3600) + "', 'db_file_bytes', -1e15)");
  const Env crit = with(warn, {{"MEMORY_CRIT_MB", "2"},       {"DISK_USAGE_CRIT_PCT", "0"},  {"LOG_ERRORS_CRIT", "2"},
                               {"SUCCESS_RATE_CRIT_PCT", "91"}, {"WS_CONNECTIONS_CRIT", "1"}, {"HOST_MEMORY_CRIT_PCT", "0"}});
  doc = health_json(s, crit);
  CHECK(doc["exit_code"] == 2);
  for (const char* name : {"memory_daemon", "disk_data", "disk_logs", "log_errors", "success_rate", "websocket_connections", "memory_host"}) {
    CHECK_MESSAGE(status_of(doc, name) == "CRIT", name);
  }
  // The growth fills the data disk in hours; a PostgreSQL server's disk is not visible from here,
  // so its verdict stays with the server's own monitoring.
  CHECK(status_of(doc, "database_size") == (test::testing_pg() ? "OK" : "CRIT"));
  const auto r = test::bscbot({"-q", "health"}, s.path(), crit);
  CHECK(r.exit_code == 2);
  CHECK(r.out.rfind("HEALTH CRIT - ", 0) == 0);
  CHECK(r.out.find("memory_daemon") != std::string::npos);
}

TEST_CASE("health: a database replaced under the daemon is CRIT, and its 503 answers raise the error rate") {
  if (test::testing_pg()) return;  // a SQLite file
  Scratch s("health-replaced");
  REQUIRE(test::init(s.path()).exit_code == 0);
  Daemon d(s.path());
  d.start();
  fs::copy_file(s / "data/trading-bot.sqlite", s / "copy.sqlite");
  fs::rename(s / "copy.sqlite", s / "data/trading-bot.sqlite");
  CHECK(test::eventually([&] { return d.get("/api/health").status == 503; }));
  for (int i = 0; i < 30; ++i) d.get("/api/health");
  const json doc = health_json(s, with(d.env(), k_host_neutral));
  CHECK(doc["exit_code"] == 2);
  CHECK(status_of(doc, "daemon") == "CRIT");
  CHECK(status_of(doc, "error_rate") == "CRIT");
  for (const auto& c : doc["checks"]) {
    if (c["name"] == "daemon") CHECK(c["detail"].get<std::string>().find("replaced") != std::string::npos);
  }
}

TEST_CASE("health: with the daemon down the database checks still run; daemon checks are UNKNOWN") {
  Scratch s("health-down");
  const Env env = with({{"PORT", std::to_string(test::free_port())}}, k_host_neutral);
  REQUIRE(test::init(s.path(), env).exit_code == 0);
  seed(s, "completed", 5, 30);
  const json doc = health_json(s, env);
  CHECK(doc["exit_code"] == 2);
  CHECK(status_of(doc, "daemon") == "CRIT");
  for (const char* name : {"response_time", "request_p95", "error_rate", "websocket_connections", "cache_hit_rate", "trade_queue",
                           "db_query_p95", "memory_daemon", "cpu_daemon"}) {
    CHECK_MESSAGE(status_of(doc, name) == "UNKNOWN", name);
  }
  CHECK(status_of(doc, "database_integrity") == "OK");
  CHECK(status_of(doc, "success_rate") == "OK");
  CHECK(status_of(doc, "cpu_host") == "OK");  // measured by health itself
  for (const auto& c : doc["checks"]) {
    if (c["name"] == "trades_24h") CHECK(c["value"] == "5");
  }
  const auto r = test::bscbot({"health"}, s.path(), env);
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("bscbot daemon start") != std::string::npos);

  // A damaged database file is CRIT, and --full runs the full integrity_check.
  if (test::testing_pg()) return;
  s.write("data/trading-bot.sqlite", std::string(4096, 'x'));
  fs::remove(s / "data/trading-bot.sqlite-wal");
  fs::remove(s / "data/trading-bot.sqlite-shm");
  const json damaged = health_json(s, env, {"--full"});
  CHECK(status_of(damaged, "database_integrity") == "CRIT");
  CHECK(status_of(damaged, "success_rate") == "UNKNOWN");
}

TEST_CASE("health: disk_io measures the data folder's disk from /proc/diskstats, and --watch spans the whole interval") {
  Scratch s("health-disk-io");
  const Env env = with({{"PORT", std::to_string(test::free_port())}}, k_host_neutral);
  REQUIRE(test::init(s.path(), env).exit_code == 0);
  auto disk_io = [](const json& doc) {
    for (const auto& c : doc["checks"]) {
      if (c["name"] == "disk_io") return c;
    }
    return json();
  };
  const json c = disk_io(health_json(s, env));
  REQUIRE_MESSAGE(c.is_object(), "no disk_io check");
  INFO(c.dump());
  CHECK(c["group"] == "system");
  CHECK(c["status"] == "OK");  // levels above 100 % cannot be reached
  CHECK(c["threshold"] == "warn >= 101 % util, crit > 101 % util");
  // The data folder's device, as stat(1) sees it: a block device (major > 0) is measured.
  const std::string numbers = test::shell("stat -c '%Hd:%Ld' data", s.path()).out;
  MESSAGE("data/ is on device " << numbers << ": " << c["detail"].get<std::string>());
  if (numbers.rfind("0:", 0) != 0) {
    REQUIRE(c["number"].is_number());
    const double util = c["number"];
    CHECK((util >= 0 && util <= 100));
    CHECK(c["value"].get<std::string>().ends_with(" %"));
    CHECK(c["figures"]["reads_per_s"].get<double>() >= 0);
    CHECK(c["figures"]["writes_per_s"].get<double>() >= 0);
    CHECK(c["figures"]["window_ms"].get<double>() >= 100);  // the minimum window
    CHECK(c["detail"].get<std::string>().find("holding data") != std::string::npos);
    CHECK(c["detail"].get<std::string>().find(" of /proc/diskstats") != std::string::npos);
    // Any measured share reaches a warning level of 0.
    CHECK(status_of(health_json(s, with(env, {{"DISK_IO_WARN_PCT", "0"}})), "disk_io") == "WARN");
  } else {
    // overlayfs, tmpfs: said, with no made-up figure (btrfs maps through its /dev source).
    CHECK(!c["detail"].get<std::string>().empty());
    if (c["value"] == "n/a") CHECK(c["number"].is_null());
  }
  const auto bad = test::bscbot({"health"}, s.path(), with(env, {{"DISK_IO_WARN_PCT", "90"}, {"DISK_IO_CRIT_PCT", "80"}}));
  CHECK(bad.exit_code == 3);
  CHECK(bad.out.find("DISK_IO_WARN_PCT=90") != std::string::npos);

  // --watch 1: the second run compares with the first run's last reading, a second or more ago.
  const auto r = test::bscbot({"--json", "health", "--watch", "1", "--count", "2"}, s.path(), env);
  std::istringstream docs(r.out);
  json first, second;
  docs >> first >> second;
  REQUIRE(disk_io(first).is_object());
  REQUIRE(disk_io(second).is_object());
  if (disk_io(second)["figures"].is_object()) CHECK(disk_io(second)["figures"]["window_ms"].get<double>() >= 1000);
}

TEST_CASE("health: a check that cannot run at all is UNKNOWN with exit 3, as monitoring plugins answer") {
  Scratch s("health-unknown");
  s.write("bscbot.yaml", "port: 70000\n");
  const auto r = test::bscbot({"health"}, s.path());
  CHECK(r.exit_code == 3);
  CHECK(r.out.rfind("HEALTH UNKNOWN - ", 0) == 0);
  CHECK(r.out.find("PORT") != std::string::npos);
  const auto j = test::bscbot({"--json", "health"}, s.path());
  CHECK(j.exit_code == 3);
  CHECK(json::parse(j.out)["status"] == "UNKNOWN");
}

}  // TEST_SUITE
