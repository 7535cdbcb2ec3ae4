// bscbot diagnose, one test per problem of the manual's troubleshooting section, each with the
// condition created for real: a squatter on the port and a stale pid file, a `BEGIN EXCLUSIVE`
// holder and a file without write permission, a reconnect storm and a client that never
// answers pings, memory over its level with the samples to show a trend, failed trades of every
// reason, and a dropped index under logged slow queries.
#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include "tests/blackbox/notify_fixture.hpp"
#include "tests/support/deployment.hpp"

namespace fs = std::filesystem;
namespace beast = boost::beast;
namespace net = boost::asio;
using nlohmann::json;
using namespace bscbot;
using namespace bscbot::test::notify;
using bscbot::test::Background;
using bscbot::test::Daemon;
using bscbot::test::Scratch;

namespace {

json diagnose(const Scratch& s, const Env& env, std::vector<std::string> args, int* exit_code = nullptr) {
  args.insert(args.begin(), {"--json", "diagnose"});
  const auto r = test::bscbot(args, s.path(), env);
  INFO(r.err);
  const json doc = json::parse(r.out);
  CHECK(r.exit_code == doc["exit_code"].get<int>());
  if (exit_code) *exit_code = r.exit_code;
  return doc;
}

const json& problem(const json& doc, const std::string& name) {
  for (const auto& p : doc["problems"]) {
    if (p["problem"] == name) return p;
  }
  FAIL("no problem " << name << " in " << doc.dump(2));
  static const json none;
  return none;
}

// The first finding whose title contains `text`, or null.
json finding(const json& p, const std::string& text) {
  for (const auto& f : p["findings"]) {
    if (f["title"].get<std::string>().find(text) != std::string::npos) return f;
  }
  return nullptr;
}

bool any_evidence(const json& f, const std::string& text) {
  for (const auto& e : f["evidence"]) {
    if (e.get<std::string>().find(text) != std::string::npos) return true;
  }
  return false;
}

Env port_env(int port) { return with(k_host_neutral, {{"PORT", std::to_string(port)}}); }

// Every query counts as slow, so the daemon's own 24 h gauges land in the log.
const Env k_every_query_slow = {{"SLOW_QUERY_MS", "0"}};

// Drops idx_trades_created_at, starts `d` (made with k_every_query_slow) and has it serve a
// history page, so "Query took" lines name the queries; returns diagnose's environment.
Env with_dropped_index(const Scratch& s, Daemon& d) {
  test::sql(s.path(), "DROP INDEX idx_trades_created_at");
  d.start();
  REQUIRE(d.get("/api/v1/trading/history?limit=5&since=2026-01-01%2000:00:00").status == 200);
  REQUIRE(test::eventually([&] { return test::read_text(s / "logs/api-server.log").find("Slow query trades.history: Query took") != std::string::npos; }));
  return with(port_env(d.port()), k_every_query_slow);
}

// Failed trades as the engine records them, on either backend.
void seed_failed(const Scratch& s, const std::string& error, int n, std::optional<std::int64_t> gas = std::nullopt) {
  const std::string g = gas ? std::to_string(*gas) : "NULL";
  std::string quoted;  // "the node's pool": SQL quotes doubled
  for (char ch : error) quoted += ch == '\'' ? std::string("''") : std::string(1, ch);
  for (int i = 0; i < n; ++i) {
    test::sql(s.path(), fmt::format("INSERT INTO trades (wallet_address, token_in, token_out, amount_in, path, status, error, gas_price, gas_used, gas_limit) VALUES "
                                    "('0x1111111111111111111111111111111111111111', '0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c', "
                                    "'0x2222222222222222222222222222222222222222', '1000', "
                                    "'0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c,0x2222222222222222222222222222222222222222', 'failed', '{}', '3000000000', {}, {})",
                                    quoted, g, g));
  }
}

// The deployment's own DATABASE_URL (its .env), for sessions that act as another client would.
std::string database_url(const Scratch& s) {
  const std::string env = test::read_text(s / ".env");
  const auto at = env.find("DATABASE_URL=");
  REQUIRE(at != std::string::npos);
  const auto from = at + std::string("DATABASE_URL=").size();
  return env.substr(from, env.find('\n', from) - from);
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

TEST_SUITE("diagnose") {

TEST_CASE("diagnose service: a squatter on the port is named with its pid and command; a stale pid file; a healthy daemon") {
  Scratch s("diagnose-service");
  REQUIRE(test::init(s.path()).exit_code == 0);
  const int port = test::free_port();
  const Env env = port_env(port);
  Background squatter("python3",
                      {"-c", fmt::format("import socket,time; s=socket.socket(); s.bind(('127.0.0.1',{})); s.listen(); "
                                         "print('listening',flush=True); time.sleep(120)",
                                         port)},
                      s.path(), s / "squatter.log");
  REQUIRE(squatter.wait_for_output("listening"));
  // `bscbot daemon start` fails on the port; diagnose says why and who.
  CHECK(test::bscbot({"daemon", "start"}, s.path(), env).exit_code != 0);
  int code = 0;
  auto doc = diagnose(s, env, {"service"}, &code);
  CHECK(code == 2);
  const auto& service = problem(doc, "service");
  CHECK(service["status"] == "CRIT");
  const json held = finding(service, fmt::format("port {} is held by pid {} (python3 -c import socket,time; s=socket.socket()", port, squatter.pid()));
  REQUIRE_MESSAGE(!held.is_null(), service.dump(2));
  CHECK(held["status"] == "CRIT");
  CHECK(held["fix"].get<std::string>().find(fmt::format("`kill {}`", squatter.pid())) != std::string::npos);
  CHECK(held["fix"].get<std::string>().find(fmt::format("PORT={} in .env", port + 1)) != std::string::npos);
  CHECK(any_evidence(held, fmt::format("127.0.0.1:{} is listened on by pid {}", port, squatter.pid())));
  CHECK(any_evidence(held, "bscbotd.out: bscbotd: "));  // the start error, from the daemon's own output
  CHECK(doc["decision"].get<std::string>().rfind(fmt::format("port {} is held by pid {}", port, squatter.pid()), 0) == 0);
  // The same in the human table.
  const auto human = test::bscbot({"diagnose", "service"}, s.path(), env);
  CHECK(human.exit_code == 2);
  CHECK(human.out.find("decision: port ") != std::string::npos);
  squatter.kill_now();

  // A web server on the port answers HTTP, but not as bscbotd: still a port conflict.
  Background web("python3", {"-m", "http.server", std::to_string(port), "--bind", "127.0.0.1"}, s.path(), s / "web.log");
  REQUIRE(test::eventually([&] { return !test::bscbot({"diagnose", "service"}, s.path(), env).out.empty() &&
                                        test::bscbot({"diagnose", "service"}, s.path(), env).out.find("port conflict") != std::string::npos; }));
  doc = diagnose(s, env, {"service"});
  const json web_held = finding(problem(doc, "service"), fmt::format("port {} is held by pid {} (python3 -m http.server", port, web.pid()));
  REQUIRE_MESSAGE(!web_held.is_null(), doc.dump(2));
  CHECK(any_evidence(web_held, "/api/health answered HTTP 404, not as bscbotd does"));
  web.kill_now();

  // A pid file naming a process that is gone: not running, stale, start it.
  const auto dead = test::shell("echo $$", s.path());
  s.write("data/bscbotd.pid", dead.out);
  doc = diagnose(s, env, {"service"});
  const json stopped = finding(problem(doc, "service"), "bscbotd is not running");
  REQUIRE(!stopped.is_null());
  CHECK(stopped["fix"].get<std::string>().rfind("bscbot daemon start", 0) == 0);
  CHECK(any_evidence(stopped, "which is not a running bscbotd: stale"));
  CHECK(any_evidence(stopped, fmt::format("nothing listens on port {}", port)));

  Daemon d(s.path());
  d.start();
  doc = diagnose(s, port_env(d.port()), {"service"});
  CHECK(problem(doc, "service")["status"] == "OK");
  CHECK(!finding(problem(doc, "service"), "bscbotd answers /api/health").is_null());
  // Names from the manual work too; nonsense is refused.
  CHECK(test::bscbot({"diagnose", "port"}, s.path(), port_env(d.port())).exit_code == 0);
  const auto bad = test::bscbot({"diagnose", "everything"}, s.path(), env);
  CHECK(bad.exit_code == 64);
  CHECK(bad.err.find("unknown problem 'everything'; choose service, database") != std::string::npos);
}

TEST_CASE("diagnose database: a BEGIN EXCLUSIVE holder is named from /proc/locks; a file its owner cannot write") {
  if (test::testing_pg()) return;  // a SQLite file's locks; PostgreSQL's sessions are the next case
  Scratch s("diagnose-database");
  REQUIRE(test::init(s.path()).exit_code == 0);
  Daemon d(s.path(), {{"DB_BUSY_TIMEOUT_MS", "200"}});
  d.start();
  const Env env = port_env(d.port());
  auto doc = diagnose(s, env, {"database"});
  CHECK(problem(doc, "database")["status"] == "OK");
  CHECK(!finding(problem(doc, "database"), "database_integrity: ok").is_null());
  CHECK(!finding(problem(doc, "database"), "no lock blocks writers").is_null());

  // The manual's `sqlite3` session that never ends its transaction.
  Background holder("sqlite3", {"data/trading-bot.sqlite", "-cmd", "BEGIN EXCLUSIVE;", ".shell echo locked; sleep 30"}, s.path(), s / "holder.log");
  REQUIRE_MESSAGE(holder.wait_for_output("locked"), holder.output());
  int code = 0;
  doc = diagnose(s, env, {"database"}, &code);
  CHECK(code == 2);
  const auto& db = problem(doc, "database");
  const json lock = finding(db, fmt::format("pid {} (sqlite3 data/trading-bot.sqlite -cmd BEGIN EXCLUSIVE;", holder.pid()));
  REQUIRE_MESSAGE(!lock.is_null(), db.dump(2));
  CHECK(lock["status"] == "CRIT");
  CHECK(lock["title"].get<std::string>().find("holds the database's write lock") != std::string::npos);
  CHECK(lock["fix"].get<std::string>().find(fmt::format("`kill {}`", holder.pid())) != std::string::npos);
  CHECK(any_evidence(lock, "holds the WAL write lock: a write transaction"));
  CHECK(any_evidence(lock, "a write attempted now (BEGIN IMMEDIATE, no waiting): locked"));
  CHECK(any_evidence(lock, fmt::format("pid {} (bscbotd", d.pid())));  // bscbotd is connected, and not blamed
  // bscbotd itself now says the database is locked.
  CHECK(test::eventually([&] {
    const auto again = diagnose(s, env, {"database"});
    return !finding(problem(again, "database"), "bscbotd reports the database locked").is_null();
  }));
  holder.kill_now();

  // Read-only for its owner: the manual's `chmod 644`.
  ::chmod((s / "data/trading-bot.sqlite").c_str(), 0444);
  doc = diagnose(s, env, {"database"});
  const json perms = finding(problem(doc, "database"), "permissions: trading-bot.sqlite is not readable and writable by its owner (mode 0444)");
  ::chmod((s / "data/trading-bot.sqlite").c_str(), 0644);
  REQUIRE_MESSAGE(!perms.is_null(), doc.dump(2));
  CHECK(perms["status"] == "CRIT");
  CHECK(perms["fix"].get<std::string>().rfind("chmod 644 ", 0) == 0);
}

TEST_CASE("diagnose database on PostgreSQL: a session waiting for a lock is named with the session that holds it") {
  if (!test::testing_pg()) return;
  Scratch s("diagnose-pg-locks");
  REQUIRE(test::init(s.path()).exit_code == 0);
  Daemon d(s.path());
  d.start();
  const Env env = port_env(d.port());
  auto doc = diagnose(s, env, {"database"});
  CHECK(problem(doc, "database")["status"] == "OK");
  CHECK(!finding(problem(doc, "database"), "no session waits for a lock; ").is_null());
  CHECK(!finding(problem(doc, "database"), " of max_connections=").is_null());

  // An operator's session that locks the table and forgets to commit, and a writer behind it.
  const std::string url = database_url(s);
  auto& server = test::PgServer::shared();
  auto session = [&](const std::string& app, const std::string& statement) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      try {
        server.psql(url + "?application_name=" + app, statement);
      } catch (...) {
      }
      ::_exit(0);
    }
    return pid;
  };
  const pid_t holder = session("lock-holder", "BEGIN; LOCK TABLE trades IN EXCLUSIVE MODE; SELECT pg_sleep(10); COMMIT;");
  REQUIRE(test::eventually([&] {
    return test::sql(s.path(), "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE a.application_name = 'lock-holder' "
                               "AND l.granted AND l.mode = 'ExclusiveLock' AND l.relation = 'trades'::regclass") == "1";
  }));
  const std::string holder_backend = test::sql(s.path(), "SELECT pid FROM pg_stat_activity WHERE application_name = 'lock-holder'");
  const pid_t waiter = session("lock-waiter", "INSERT INTO trades (wallet_address, token_in, token_out, amount_in) VALUES ('0x1', 'a', 'b', '1')");
  json lock;
  int code = 0;
  REQUIRE(test::eventually([&] {
    doc = diagnose(s, env, {"database"}, &code);
    lock = finding(problem(doc, "database"), " behind pid " + holder_backend + " (");
    return !lock.is_null();
  }));
  CHECK(code == 2);
  CHECK(lock["status"] == "CRIT");
  const std::string title = lock["title"].get<std::string>();
  CHECK(title.find("lock-waiter") != std::string::npos);
  CHECK(title.find("waits (Lock/relation) behind pid " + holder_backend) != std::string::npos);
  CHECK(title.find("lock-holder") != std::string::npos);
  CHECK(lock["fix"].get<std::string>().find("pg_terminate_backend(" + holder_backend + ")") != std::string::npos);
  CHECK(any_evidence(lock, "the blocker's last statement: BEGIN; LOCK TABLE trades IN EXCLUSIVE MODE"));
  int status = 0;
  ::waitpid(holder, &status, 0);
  ::waitpid(waiter, &status, 0);
  // Once the holder commits, the waiter's insert goes through and bscbotd's own probe agrees.
  CHECK_MESSAGE(test::eventually([&] {
    doc = diagnose(s, env, {"database"});
    return problem(doc, "database")["status"] == "OK";
  }), doc.dump(2));
}

TEST_CASE("diagnose database on PostgreSQL: a transaction forgotten open, and bscbotd's pool used up behind its lock") {
  if (!test::testing_pg()) return;
  Scratch s("diagnose-pg-idle");
  REQUIRE(test::init(s.path()).exit_code == 0);
  // A request holds its HTTP thread while it waits for the database: four threads, so two can
  // wait on the pool's two connections while the others answer /api/health.
  Daemon d(s.path(), {{"DB_POOL_MIN", "1"}, {"DB_POOL_MAX", "2"}, {"HTTP_THREADS", "4"}});
  d.start();
  const Env env = with(port_env(d.port()), {{"DB_IDLE_TRANSACTION_WARN_S", "1"}});
  const std::string url = database_url(s);

  // An operator's psql that began a transaction, locked the table and went to lunch: psql
  // reads its script from a pipe that stays open, so the session sits "idle in transaction".
  Background forgotten("/bin/sh",
                       {"-c", fmt::format("(printf 'BEGIN;\\nLOCK TABLE trades IN ACCESS EXCLUSIVE MODE;\\n'; sleep 25; printf 'COMMIT;\\n') | "
                                          "exec /usr/bin/psql '{}?application_name=forgotten-begin' -X -q",
                                          url)},
                       s.path(), s / "forgotten-begin.log");
  REQUIRE(test::eventually([&] {
    return test::sql(s.path(), "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'forgotten-begin' AND state = 'idle in transaction'") == "1";
  }));
  const std::string backend = test::sql(s.path(), "SELECT pid FROM pg_stat_activity WHERE application_name = 'forgotten-begin'");
  // Readers of the history now wait behind the lock, each holding one of bscbotd's two connections.
  const std::string history = "http://127.0.0.1:" + std::to_string(d.port()) + "/api/v1/trading/history?limit=5";
  struct Joined {
    std::vector<std::thread> threads;
    ~Joined() {
      for (auto& t : threads) if (t.joinable()) t.join();
    }
  } readers;
  for (int i = 0; i < 2; ++i) {
    readers.threads.emplace_back([&] {
      try {
        (void)core::net::get(history, std::chrono::milliseconds(40000));
      } catch (const std::exception&) {
        // Answered or not, it held a connection while it waited.
      }
    });
  }
  json doc, idle, pool;
  REQUIRE_MESSAGE(test::eventually([&] {
    doc = diagnose(s, env, {"database"});
    idle = finding(problem(doc, "database"), "holds a transaction open while idle");
    pool = finding(problem(doc, "database"), "every pooled connection is in use");
    return !idle.is_null() && !pool.is_null();
  }, std::chrono::milliseconds(15000)), doc.dump(2));
  CHECK(idle["status"] == "WARN");
  CHECK(idle["title"].get<std::string>().find("pid " + backend + " (") != std::string::npos);
  CHECK(idle["title"].get<std::string>().find("forgotten-begin") != std::string::npos);
  CHECK(idle["title"].get<std::string>().find("DB_IDLE_TRANSACTION_WARN_S=1") != std::string::npos);
  CHECK(idle["fix"].get<std::string>().find("pg_terminate_backend(" + backend + ")") != std::string::npos);
  CHECK(any_evidence(idle, "LOCK TABLE trades IN ACCESS EXCLUSIVE MODE"));
  CHECK(pool["status"] == "WARN");
  CHECK(pool["title"].get<std::string>().find("(2/2)") != std::string::npos);
  CHECK(pool["fix"].get<std::string>().find("find what holds them") != std::string::npos);
  // The default level (60 s) does not call a transaction of a few seconds forgotten.
  const json calm = diagnose(s, port_env(d.port()), {"database"});
  CHECK(finding(problem(calm, "database"), "holds a transaction open while idle").is_null());

  // Ended as the fix says: the readers get their answers, the pool frees up.
  test::sql(s.path(), "SELECT pg_terminate_backend(" + backend + ")");
  for (auto& t : readers.threads) t.join();
  CHECK_MESSAGE(test::eventually([&] {
    doc = diagnose(s, env, {"database"});
    return finding(problem(doc, "database"), "every pooled connection is in use").is_null() &&
           finding(problem(doc, "database"), "holds a transaction open while idle").is_null();
  }), doc.dump(2));
}

TEST_CASE("diagnose websocket: a reconnect storm and a client that misses its pongs; no RPC endpoint answering") {
  Scratch s("diagnose-websocket");
  REQUIRE(test::init(s.path()).exit_code == 0);
  const Env settings = {{"HEARTBEAT_INTERVAL_MS", "200"}};
  Daemon d(s.path(), settings);
  d.start();
  for (int i = 0; i < 12; ++i) {
    WsClient c(d.port());
    c.ws.close(beast::websocket::close_code::normal);
  }
  {
    WsClient silent(d.port());  // never reads, so never answers a ping
    REQUIRE(test::eventually([&] { return test::read_text(s / "logs/api-server.log").find("missed its pong") != std::string::npos; }));
  }
  REQUIRE(test::eventually([&] { return test::read_text(s / "logs/api-server.log").find("disconnected (0 connected)") != std::string::npos; }));
  // Diagnosed with the chain on and the only RPC endpoint dead (the daemon itself trades nothing).
  const Env env = with(with(port_env(d.port()), settings),
                       {{"CHAIN_ENABLED", "true"}, {"BSC_RPC_URL", "http://127.0.0.1:" + std::to_string(test::free_port())}});
  int code = 0;
  const auto doc = diagnose(s, env, {"websocket"}, &code);
  CHECK(code == 2);
  const auto& ws = problem(doc, "websocket");
  // 13 connections, one after the other: at most two at once while a close is being logged.
  const json storm = finding(ws, " WebSocket reconnects in the last hour (WebSocketReconnectStorm: > 10)");
  REQUIRE_MESSAGE(!storm.is_null(), ws.dump(2));
  CHECK(storm["status"] == "WARN");
  CHECK(any_evidence(storm, "13 connections opened, at most "));
  const json pongs = finding(ws, "missed a pong in the last hour and were dropped");
  REQUIRE(!pongs.is_null());
  CHECK(pongs["fix"].get<std::string>().find("HEARTBEAT_INTERVAL_MS=200") != std::string::npos);
  const json rpc = finding(ws, "no RPC endpoint answers (1 tried)");
  REQUIRE(!rpc.is_null());
  CHECK(rpc["status"] == "CRIT");
  CHECK(rpc["fix"].get<std::string>().find("BSC_RPC_URLS") != std::string::npos);
}

TEST_CASE("diagnose memory: resident memory over its level, with the trend from the daemon's own samples") {
  Scratch s("diagnose-memory");
  REQUIRE(test::init(s.path()).exit_code == 0);
  Daemon d(s.path(), {{"METRIC_SAMPLE_INTERVAL_S", "1"}});
  d.start();
  REQUIRE(test::eventually([&] { return std::stoi(test::sql(s.path(), "SELECT COUNT(*) FROM metric_samples WHERE name = 'rss_bytes'")) >= 3; },
                           std::chrono::seconds(20)));
  const Env env = with(port_env(d.port()), {{"MEMORY_WARN_MB", "1"}, {"MEMORY_CRIT_MB", "100000"}});
  int code = 0;
  const auto doc = diagnose(s, env, {"memory"}, &code);
  CHECK(code == 1);
  const auto& mem = problem(doc, "memory");
  const json rss = finding(mem, "bscbotd's resident memory: ");
  REQUIRE(!rss.is_null());
  CHECK(rss["status"] == "WARN");
  CHECK(rss["fix"].get<std::string>().find("bscbot daemon restart") != std::string::npos);
  CHECK(any_evidence(rss, "price cache: 0 entries"));
  CHECK(any_evidence(rss, "WebSocket clients: 0"));
  CHECK(any_evidence(rss, "trade queue: 0 of TRADE_QUEUE_MAX=1000"));
  const json trend = finding(mem, "memory trend over ");
  REQUIRE_MESSAGE(!trend.is_null(), mem.dump(2));
  CHECK(any_evidence(trend, " samples from "));
}

TEST_CASE("diagnose trades: failures of the day grouped by reason, each with the manual's remedy") {
  Scratch s("diagnose-trades");
  REQUIRE(test::init(s.path()).exit_code == 0);
  for (int i = 0; i < 20; ++i) {
    test::sql(s.path(), "INSERT INTO trades (wallet_address, token_in, token_out, amount_in, status) VALUES "
                        "('0x1111111111111111111111111111111111111111', 'a', 'b', '1', 'completed')");
  }
  seed_failed(s, "slippage: output below amountOutMin (PancakeRouter: INSUFFICIENT_OUTPUT_AMOUNT)", 4);
  seed_failed(s, "insufficient liquidity: PancakeLibrary: INSUFFICIENT_LIQUIDITY", 3);
  seed_failed(s, "insufficient balance: insufficient funds for gas * price + value", 2);
  seed_failed(s, "dropped: not mined within 120 s and not in the node's pool", 2);
  seed_failed(s, "not sent: the node refused the transaction (nonce too low)", 1);
  seed_failed(s, "reverted: no reason given", 1, 500000);
  seed_failed(s, "deadline expired: PancakeRouter: EXPIRED", 1);
  const Env env = port_env(test::free_port());
  int code = 0;
  const auto doc = diagnose(s, env, {"trades"}, &code);
  CHECK(code == 2);
  const auto& t = problem(doc, "trades");
  const json rate = finding(t, "success rate over the last 24 h: 58.8 %");
  REQUIRE_MESSAGE(!rate.is_null(), t.dump(2));
  CHECK(rate["status"] == "CRIT");
  CHECK(rate["fix"].get<std::string>().rfind("the most frequent reason is slippage: raise DEFAULT_SLIPPAGE (now 0.5 %", 0) == 0);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"slippage: 4 failed trade(s), 28.6 % of the failures", "raise DEFAULT_SLIPPAGE (now 0.5 %"},
      {"insufficient liquidity: 3 failed trade(s)", "the pair holds too little"},
      {"insufficient balance: 2 failed trade(s)", "fund the wallet"},
      {"dropped: 2 failed trade(s)", "raise GAS_PRICE_MULTIPLIER (now 1.0"},
      {"nonce: 1 failed trade(s)", "`bscbot daemon restart` resyncs them"},
      {"out of gas: 1 failed trade(s)", "raise DEFAULT_GAS_LIMIT (now 500000"},
      {"deadline expired: 1 failed trade(s)", "raise DEFAULT_DEADLINE_SECONDS (now 1200)"},
  };
  for (const auto& [title, fix] : expected) {
    const json f = finding(t, title);
    REQUIRE_MESSAGE(!f.is_null(), title << "\n" << t.dump(2));
    CHECK(f["fix"].get<std::string>().find(fix) != std::string::npos);
    CHECK(f["status"] == "CRIT");
  }
  // The ranking puts the most frequent first.
  CHECK(t["findings"][1]["title"].get<std::string>().rfind("slippage:", 0) == 0);
  CHECK(any_evidence(finding(t, "insufficient liquidity"), "reserves and balances not read: CHAIN_ENABLED=false"));
  CHECK(any_evidence(finding(t, "slippage"), "PancakeRouter: INSUFFICIENT_OUTPUT_AMOUNT"));
}

TEST_CASE("diagnose slow-queries: the slowest logged queries, their plans, and the missing index named with its CREATE") {
  if (test::testing_pg()) return;  // SQLite's EXPLAIN QUERY PLAN
  Scratch s("diagnose-slow");
  REQUIRE(test::init(s.path()).exit_code == 0);
  Daemon d(s.path(), k_every_query_slow);
  const Env env = with_dropped_index(s, d);
  int code = 0;
  const auto doc = diagnose(s, env, {"slow-queries"}, &code);
  CHECK(code == 1);
  const auto& q = problem(doc, "slow-queries");
  const json slow = finding(q, " kind(s) of query logged as slow (\"Query took\", SLOW_QUERY_MS=0) in the last 24 h; slowest: ");
  REQUIRE_MESSAGE(!slow.is_null(), q.dump(2));
  CHECK(any_evidence(slow, "trades.stats: "));
  CHECK(any_evidence(slow, "trades.history: "));
  // The newest page has no other index in created_at order; the 24 h stats still search, through
  // the (status, created_at) index, and are not blamed.
  const json history = finding(q, "trades.history: scans the table because index idx_trades_created_at is missing");
  REQUIRE_MESSAGE(!history.is_null(), q.dump(2));
  CHECK(history["status"] == "WARN");
  CHECK(history["fix"].get<std::string>().find("CREATE INDEX idx_trades_created_at ON trades(created_at, id, status, gas_fee);") != std::string::npos);
  CHECK(any_evidence(history, "SQL: SELECT id, tx_hash, wallet_address"));
  CHECK(any_evidence(history, "plan: SCAN trades"));
  CHECK(!finding(q, "trades.stats: uses the schema's indexes").is_null());
  // Put back as the fix says, the same queries use it.
  {
    SQLite::Database db((s / "data/trading-bot.sqlite").string(), SQLite::OPEN_READWRITE);
    db.setBusyTimeout(5000);
    db.exec("CREATE INDEX idx_trades_created_at ON trades(created_at, id, status, gas_fee)");
  }
  const auto after = diagnose(s, env, {"slow-queries"});
  CHECK(finding(problem(after, "slow-queries"), "is missing").is_null());
  CHECK(!finding(problem(after, "slow-queries"), "trades.history: uses the schema's indexes").is_null());
  CHECK(!finding(problem(after, "slow-queries"), "indexes of the schema are present").is_null());
}

TEST_CASE("diagnose slow-queries on PostgreSQL: a dropped index named with its CREATE INDEX, and the sequential scans that show it") {
  if (!test::testing_pg()) return;  // the SQLite form is the test above
  Scratch s("diagnose-slow-pg");
  REQUIRE(test::init(s.path()).exit_code == 0);
  Daemon d(s.path(), k_every_query_slow);
  const Env env = with_dropped_index(s, d);
  int code = 0;
  const auto doc = diagnose(s, env, {"slow-queries"}, &code);
  CHECK(code == 1);
  const auto& q = problem(doc, "slow-queries");
  const json missing = finding(q, "index idx_trades_created_at of the schema is missing on trades");
  REQUIRE_MESSAGE(!missing.is_null(), q.dump(2));
  CHECK(missing["status"] == "WARN");
  CHECK(missing["fix"].get<std::string>().find("CREATE INDEX idx_trades_created_at ON trades(created_at, id, status, gas_fee);") != std::string::npos);
  CHECK(any_evidence(missing, "trades: "));
  CHECK(!finding(q, "the slow statements' plans: read them with EXPLAIN on the server").is_null());
  // Put back as the fix says: nothing missing.
  test::sql(s.path(), "CREATE INDEX idx_trades_created_at ON trades(created_at, id, status, gas_fee)");
  const auto after = diagnose(s, env, {"slow-queries"});
  CHECK(finding(problem(after, "slow-queries"), "is missing").is_null());
  CHECK(!finding(problem(after, "slow-queries"), "indexes of the schema are present").is_null());
}

TEST_CASE("diagnose: every problem at once, a decision, and the summary line for scripts") {
  Scratch s("diagnose-all");
  REQUIRE(test::init(s.path()).exit_code == 0);
  Daemon d(s.path());
  d.start();
  const Env env = port_env(d.port());
  const auto doc = diagnose(s, env, {});
  CHECK(doc["problems"].size() == 6);
  for (const char* name : {"service", "database", "websocket", "memory", "trades", "slow-queries"}) CHECK(problem(doc, name)["status"] == "OK");
  CHECK(doc["decision"] == "nothing wrong found");
  const auto quiet = test::bscbot({"-q", "diagnose"}, s.path(), env);
  CHECK(quiet.exit_code == 0);
  CHECK(quiet.out.rfind("DIAGNOSE OK - 6 problem(s) looked at in ", 0) == 0);
  // The S1 and S2 runbooks diagnose right after recording the incident.
  for (const char* playbook : {"incident-s1", "incident-s2"}) {
    const auto plan = test::bscbot({"--json", "playbook", "run", playbook, "--dry-run", "--dir", (fs::path(BSCBOT_SOURCE_DIR) / "playbooks").string()},
                                   s.path(), env);
    REQUIRE_MESSAGE(plan.exit_code == 0, plan.err);
    const auto steps = json::parse(plan.out)["steps"];
    CHECK_MESSAGE(std::any_of(steps.begin(), steps.end(), [](const json& step) { return step["args"] == json::array({"diagnose"}); }), steps.dump(2));
  }
}

}  // TEST_SUITE
