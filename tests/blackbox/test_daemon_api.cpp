// bscbotd as operators and monitoring see it: every endpoint over real HTTP.
#include <SQLiteCpp/SQLiteCpp.h>  // the SQLite-file cases: a lock held by another process, a replaced file
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/util/clock.hpp"
#include "tests/support/deployment.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/postgres.hpp"
#include "tests/support/stores.hpp"
#include "tests/support/scratch.hpp"

namespace fs = std::filesystem;
namespace beast = boost::beast;
namespace net = boost::asio;
using nlohmann::json;
using namespace bscbot;
using bscbot::test::Daemon;
using bscbot::test::Scratch;

namespace {

// `count` trades a minute apart in an initialised deployment, on the suite's backend.
void seed_trades(const fs::path& dir, int count) {
  REQUIRE(test::init(dir).exit_code == 0);
  auto store = test::deployment_store(dir);
  for (int i = 0; i < count; ++i) {
    store->trades().insert(test::sample_trade(i % 2 ? "0x1111111111111111111111111111111111111111" : "0x2222222222222222222222222222222222222222",
                                              std::to_string(1000 + i) + "000000000000000000",
                                              core::system_clock().now() - std::chrono::minutes(count - i)));
  }
}

// A raw HTTP/1.1 connection, to check keep-alive and limits the way a client sees them.
struct RawClient {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  explicit RawClient(int port) { stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port))); }
  beast::http::response<beast::http::string_body> request(beast::http::request<beast::http::string_body> req) {
    req.set(beast::http::field::host, "127.0.0.1");
    req.prepare_payload();
    beast::http::write(stream, req);
    beast::flat_buffer buffer;
    beast::http::response<beast::http::string_body> res;
    beast::http::read(stream, buffer, res);
    return res;
  }
};

}  // namespace

TEST_SUITE("daemon") {

TEST_CASE("daemon: /api/health answers the manual's probe with state") {
  Scratch s("bb-health");
  Daemon d(s.path());
  d.start();
  const auto r = d.get("/api/health");
  CHECK(r.status == 200);
  const auto body = json::parse(r.body);
  CHECK(body["status"] == "ok");
  CHECK(body["timestamp"].get<std::string>().size() == 24);
  CHECK(body["websocket_connections"] == 0);
  CHECK(body["database"]["state"] == "ok");
  CHECK(body["database"]["writable"] == true);
  CHECK(body["database"]["schema_version"] == core::db::latest_schema_version());
  CHECK(body["loop"]["stalled"] == false);
  CHECK(body.contains("uptime_seconds"));
  CHECK(body.contains("version"));
  // The manual's own lines, through the real curl and jq.
  const auto curl = test::shell("curl -s http://localhost:" + std::to_string(d.port()) + "/api/health", s.path());
  CHECK(curl.out.find("\"status\":\"ok\"") != std::string::npos);
  const auto jq = test::shell("curl -s http://localhost:" + std::to_string(d.port()) + "/api/health | jq '.websocket_connections'", s.path());
  CHECK(jq.out == "0\n");
  CHECK(fs::exists(s / "data" / "trading-bot.sqlite") == !test::testing_pg());
  CHECK(fs::exists(s / "data" / "bscbotd.pid"));
}

TEST_CASE("daemon: /api/metrics exposes the names the manual greps for") {
  Scratch s("bb-metrics");
  Daemon d(s.path());
  d.start();
  d.get("/api/health");
  d.get("/api/v1/trading/history?limit=0");
  d.get("/api/v1/trading/history?limit=3");
  const auto port = std::to_string(d.port());
  for (const char* name : {"trade_queue_length", "cache_hit_rate", "db_pool_used", "cache_size"}) {
    const auto r = test::shell("curl -s http://localhost:" + port + "/api/metrics | grep " + name, s.path());
    CHECK_MESSAGE(r.exit_code == 0, name);
    CHECK(r.out.find(name) != std::string::npos);
  }
  const auto body = d.get("/api/metrics").body;
  for (const char* name : {"http_requests_total{", "http_request_duration_seconds_bucket", "process_resident_memory_bytes",
                           "db_connection_errors", "websocket_connections", "db_query_duration_seconds"}) {
    CHECK_MESSAGE(body.find(name) != std::string::npos, name);
  }
  CHECK(body.find(R"(http_requests_total{method="GET",route="/api/health",status="200"} )") != std::string::npos);
  CHECK(body.find(R"(route="/api/v1/trading/history",status="400")") != std::string::npos);
  // promtool, when present, agrees that the exposition is valid.
  const auto lint = test::shell("command -v promtool >/dev/null || exit 0; curl -s http://127.0.0.1:" + port + "/api/metrics | promtool check metrics", s.path());
  CHECK_MESSAGE(lint.exit_code == 0, std::string(lint.out + lint.err));
}

TEST_CASE("daemon: trading history is newest first, limited and validated") {
  Scratch s("bb-history");
  seed_trades(s.path(), 30);
  Daemon d(s.path());
  d.start();
  auto r = d.get("/api/v1/trading/history?limit=20");
  REQUIRE(r.status == 200);
  auto body = json::parse(r.body);
  REQUIRE(body["trades"].size() == 20);
  CHECK(body["trades"][0]["id"] == 30);
  CHECK(body["trades"][0]["amount_in"] == "1029000000000000000000");
  CHECK(body["trades"][0]["created_at"] >= body["trades"][1]["created_at"]);
  r = d.get("/api/v1/trading/history");
  CHECK(json::parse(r.body)["trades"].size() == 20);
  r = d.get("/api/v1/trading/history?limit=5&wallet=0x1111111111111111111111111111111111111111");
  body = json::parse(r.body);
  REQUIRE(body["trades"].size() == 5);
  for (const auto& t : body["trades"]) CHECK(t["wallet_address"] == "0x1111111111111111111111111111111111111111");
  for (const char* bad : {"limit=0", "limit=1001", "limit=abc", "limit=5x", "wallet=0x12", "status=done", "since=yesterday", "colour=red"}) {
    r = d.get(std::string("/api/v1/trading/history?") + bad);
    CHECK_MESSAGE(r.status == 400, bad);
    CHECK(json::parse(r.body).contains("error"));
  }
  // The manual's 2 PM check, verbatim.
  const auto curl = test::shell("curl http://localhost:" + std::to_string(d.port()) + "/api/v1/trading/history?limit=20", s.path());
  CHECK(json::parse(curl.out)["count"] == 20);
}

TEST_CASE("daemon: unknown routes, wrong methods and oversized requests get JSON errors") {
  Scratch s("bb-errors");
  Daemon d(s.path(), {{"MAX_REQUEST_BYTES", "2048"}});
  d.start();
  auto r = d.get("/api/nope");
  CHECK(r.status == 404);
  CHECK(json::parse(r.body)["code"] == "not_found");
  core::net::HttpRequest post;
  post.method = "POST";
  post.url = d.url("/api/health");
  post.body = "{}";
  CHECK(core::net::perform(post).status == 405);
  post.url = d.url("/api/v1/trading/history");
  post.body = std::string(4096, 'x');
  CHECK(core::net::perform(post).status == 413);
  CHECK(d.get("/api/health").status == 200);  // still serving
}

TEST_CASE("daemon: keep-alive serves many requests on one connection") {
  Scratch s("bb-keepalive");
  Daemon d(s.path());
  d.start();
  RawClient client(d.port());
  for (int i = 0; i < 50; ++i) {
    beast::http::request<beast::http::string_body> req{beast::http::verb::get, "/api/health", 11};
    const auto res = client.request(req);
    CHECK(res.result_int() == 200);
    CHECK(res.keep_alive());
  }
}

TEST_CASE("daemon: request log lines carry response_time as the last field") {
  Scratch s("bb-log");
  Daemon d(s.path());
  d.start();
  for (int i = 0; i < 5; ++i) d.get("/api/health");
  CHECK(test::eventually([&] { return test::read_text(s / "logs" / "api-server.log").find("response_time") != std::string::npos; }));
  const auto r = test::shell("grep \"response_time\" logs/api-server.log | awk '{print $NF}' | sort -n | tail -1", s.path());
  CHECK(r.out.find("ms") != std::string::npos);
  CHECK(std::stod(r.out) >= 0.0);
}

TEST_CASE("daemon: at LOG_LEVEL=warn the manual's greps still find the access lines; ACCESS_LOG=false lets LOG_LEVEL drop them") {
  const auto log_of = [](const Scratch& s) { return test::read_text(s / "logs" / "api-server.log"); };
  {
    Scratch s("bb-access-warn");
    Daemon d(s.path(), {{"LOG_LEVEL", "warn"}});
    d.start();
    for (int i = 0; i < 3; ++i) d.get("/api/health");
    CHECK(test::eventually([&] { return log_of(s).find("GET /api/health 200 response_time") != std::string::npos; }));
    const auto r = test::shell("grep \"response_time\" logs/api-server.log | awk '{print $NF}' | sort -n | tail -1", s.path());
    CHECK(r.out.find("ms") != std::string::npos);
    // LOG_LEVEL still governs everything else: bscbotd's own info lines are not written.
    CHECK(log_of(s).find("Listening on") == std::string::npos);
  }
  {
    Scratch s("bb-access-off");
    Daemon d(s.path(), {{"LOG_LEVEL", "warn"}, {"ACCESS_LOG", "false"}, {"JWT_SECRET", std::string(64, 'k')}, {"LOOPBACK_READS_WITHOUT_TOKEN", "false"}});
    d.start();
    for (int i = 0; i < 3; ++i) d.get("/api/health");
    CHECK(d.get("/api/v1/trading/history?limit=1").status == 401);
    // A 401 is a warning: written at this level; the 200s are info lines: dropped.
    CHECK(test::eventually([&] { return log_of(s).find("/api/v1/trading/history?limit=1 401 response_time") != std::string::npos; }));
    CHECK(log_of(s).find("GET /api/health 200") == std::string::npos);
  }
}

TEST_CASE("daemon: SIGTERM finishes cleanly and removes the pid file") {
  Scratch s("bb-sigterm");
  Daemon d(s.path());
  d.start();
  CHECK(fs::exists(s / "data" / "bscbotd.pid"));
  CHECK(d.stop() == 0);
  CHECK_FALSE(fs::exists(s / "data" / "bscbotd.pid"));
  CHECK(test::read_text(s / "logs" / "api-server.log").find("bscbotd stopped") != std::string::npos);
}

TEST_CASE("daemon: a taken port is refused with a clear message") {
  Scratch s("bb-port");
  Daemon first(s / "a");
  first.start();
  Scratch s2("bb-port-2");
  const auto r = test::run(test::bscbotd_exe(), {}, s2.path(), {{"PORT", std::to_string(first.port())}});
  CHECK(r.exit_code == 75);
  CHECK(r.err.find("already in use") != std::string::npos);
  CHECK(r.err.find(std::to_string(first.port())) != std::string::npos);
}

TEST_CASE("daemon: a second daemon on the same data folder is refused") {
  Scratch s("bb-twice");
  Daemon first(s.path());
  first.start();
  const auto r = test::run(test::bscbotd_exe(), {}, s.path(), {{"PORT", std::to_string(test::free_port())}});
  CHECK(r.exit_code == 75);
  CHECK(r.err.find("already running") != std::string::npos);
}

TEST_CASE("daemon: a database newer than this build is refused at start") {
  Scratch s("bb-newer");
  REQUIRE(test::init(s.path()).exit_code == 0);
  test::sql(s.path(), "INSERT INTO knex_migrations (name, batch) VALUES ('0042_future', 5)");
  const auto r = test::run(test::bscbotd_exe(), {}, s.path(), {{"PORT", std::to_string(test::free_port())}});
  CHECK(r.exit_code == 75);
  CHECK(r.err.find("schema version 42") != std::string::npos);
}

TEST_CASE("daemon: production refuses DISABLE_AUTH and bad config names the key") {
  Scratch s("bb-refuse");
  auto r = test::run(test::bscbotd_exe(), {}, s.path(), {{"NODE_ENV", "production"}, {"DISABLE_AUTH", "true"}});
  CHECK(r.exit_code == 78);
  CHECK(r.err.find("DISABLE_AUTH") != std::string::npos);
  r = test::run(test::bscbotd_exe(), {}, s.path(), {{"PORT", "70000"}});
  CHECK(r.exit_code == 78);
  CHECK(r.err.find("PORT='70000'") != std::string::npos);
}

TEST_CASE("daemon: a SQLite database locked by another process turns health to 503, the loop keeps turning, and it recovers") {
  if (test::testing_pg()) return;  // a file lock; the PostgreSQL lock is the next case
  Scratch s("bb-locked");
  Daemon d(s.path(), {{"LOOP_STALL_MS", "1500"}, {"DB_BUSY_TIMEOUT_MS", "2500"}});
  d.start();
  REQUIRE(d.get("/api/health").status == 200);
  {
    SQLite::Database holder((s / "data" / "trading-bot.sqlite").string(), SQLite::OPEN_READWRITE);
    holder.exec("BEGIN EXCLUSIVE");
    json body;
    CHECK(test::eventually([&] {
      const auto r = d.get("/api/health");
      body = json::parse(r.body);
      return r.status == 503 && body["database"]["state"] == "locked";
    }, std::chrono::milliseconds(15000)));
    CHECK(body["status"] == "error");
    CHECK(body["reason"].get<std::string>().find("locked") != std::string::npos);
    // The probe waits for the lock on its own thread: the main loop (and the systemd watchdog it
    // feeds) never stalls behind a locked database.
    CHECK(body["loop"]["stalled"] == false);
    holder.exec("ROLLBACK");
  }
  CHECK(test::eventually([&] { return d.get("/api/health").status == 200; }, std::chrono::milliseconds(15000)));
}

TEST_CASE("daemon: a database file replaced under the daemon is reported") {
  if (test::testing_pg()) return;  // a SQLite file
  Scratch s("bb-replaced");
  Daemon d(s.path());
  d.start();
  fs::copy_file(s / "data" / "trading-bot.sqlite", s / "copy.sqlite");
  fs::rename(s / "copy.sqlite", s / "data" / "trading-bot.sqlite");
  CHECK(test::eventually([&] {
    const auto r = d.get("/api/health");
    return r.status == 503 && json::parse(r.body)["database"]["state"] == "replaced";
  }));
}

TEST_CASE("daemon: a PostgreSQL table locked by another session turns health to 503 locked, and it recovers") {
  if (!test::testing_pg()) return;
  Scratch s("bb-pg-locked");
  REQUIRE(test::init(s.path()).exit_code == 0);
  Daemon d(s.path(), {{"LOOP_STALL_MS", "3000"}});
  d.start();
  REQUIRE(d.get("/api/health").status == 200);
  // An operator's `LOCK TABLE trades` (or a VACUUM FULL) holds every writer back.
  const std::string url = test::sql(s.path(), "SELECT current_database()");
  const auto holder_url = test::PgServer::shared().superuser_url(url);
  pid_t holder = ::fork();
  if (holder == 0) {
    test::PgServer::shared().psql(holder_url, "BEGIN; LOCK TABLE trades IN EXCLUSIVE MODE; SELECT pg_sleep(6); COMMIT;");
    ::_exit(0);
  }
  json body;
  CHECK(test::eventually([&] {
    const auto r = d.get("/api/health");
    body = json::parse(r.body);
    return r.status == 503 && body["database"]["state"] == "locked";
  }, std::chrono::milliseconds(15000)));
  CHECK(body["database"]["backend"] == "pg");
  CHECK(body["loop"]["stalled"] == false);
  int status = 0;
  ::waitpid(holder, &status, 0);
  CHECK(test::eventually([&] { return d.get("/api/health").status == 200; }, std::chrono::milliseconds(15000)));
}

TEST_CASE("daemon: PostgreSQL stopped under a running bscbotd: 503 with the reason, then ok again without a restart") {
  if (!test::testing_pg()) return;
  Scratch s("bb-pg-down");
  seed_trades(s.path(), 5);
  Daemon d(s.path(), {{"DB_CONNECT_TIMEOUT_MS", "2000"}});
  d.start();
  REQUIRE(d.get("/api/health").status == 200);
  const pid_t pid = d.pid();
  auto& server = test::PgServer::shared();
  server.crash();  // pg_ctl stop -m immediate
  json body;
  CHECK(test::eventually([&] {
    const auto r = d.get("/api/health");
    body = json::parse(r.body);
    return r.status == 503 && body["database"]["state"] == "unreachable";
  }, std::chrono::milliseconds(15000)));
  CHECK(body["reason"].get<std::string>().find("database unreachable") != std::string::npos);
  // A read meanwhile fails with a clear error, not a hang.
  CHECK(d.get("/api/v1/trading/history").status >= 500);
  server.start();
  CHECK(test::eventually([&] { return d.get("/api/health").status == 200; }, std::chrono::milliseconds(20000)));
  CHECK(d.pid() == pid);
  CHECK(::kill(pid, 0) == 0);
  // Nothing lost, and the pool serves reads again.
  const auto history = d.get("/api/v1/trading/history?limit=100");
  REQUIRE(history.status == 200);
  CHECK(json::parse(history.body)["count"] == 5);
}

TEST_CASE("daemon: WebSocket clients are counted, answered and limited") {
  Scratch s("bb-ws");
  Daemon d(s.path(), {{"MAX_CONNECTIONS", "2"}, {"HEARTBEAT_INTERVAL_MS", "200"}});
  d.start();
  net::io_context ioc;
  auto connect = [&](beast::websocket::stream<beast::tcp_stream>& ws) {
    beast::get_lowest_layer(ws).connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(d.port())));
    ws.handshake("127.0.0.1", "/ws");
  };
  beast::websocket::stream<beast::tcp_stream> a(ioc), b(ioc), c(ioc);
  connect(a);
  connect(b);
  beast::flat_buffer buf;
  a.read(buf);
  CHECK(json::parse(beast::buffers_to_string(buf.data()))["type"] == "welcome");
  buf.consume(buf.size());
  CHECK(test::eventually([&] { return json::parse(d.get("/api/health").body)["websocket_connections"] == 2; }));
  a.write(net::buffer(std::string(R"({"type":"ping"})")));
  // Control frames (the daemon's heartbeat pings) are answered by Beast while we read.
  a.read(buf);
  CHECK(json::parse(beast::buffers_to_string(buf.data()))["type"] == "pong");
  beast::error_code ec;
  beast::get_lowest_layer(c).connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(d.port())));
  c.handshake("127.0.0.1", "/ws", ec);
  CHECK(ec);  // refused: MAX_CONNECTIONS=2
  b.close(beast::websocket::close_code::normal);
  CHECK(test::eventually([&] { return json::parse(d.get("/api/health").body)["websocket_connections"] == 1; }));
  // The heartbeat is logged in the words the manual greps.
  CHECK(test::eventually([&] {
    const auto r = test::shell("tail -100 logs/api-server.log | grep \"ping\\|pong\"", s.path());
    return r.exit_code == 0;
  }));
}

}  // TEST_SUITE
