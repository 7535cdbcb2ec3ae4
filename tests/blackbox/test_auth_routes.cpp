// Every trading route and /ws refuse a missing, expired or wrongly signed token with 401, and a
// too-small role with 403; both are counted and logged with their status. Loopback reads
// without a token are allowed only while LOOPBACK_READS_WITHOUT_TOKEN is on.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "tests/blackbox/trade_fixture.hpp"

using namespace bscbot;
using core::auth::Role;
using nlohmann::json;
namespace beast = boost::beast;
namespace net = boost::asio;

namespace {

struct RouteCase {
  std::string method;
  std::string path;
  Role needs;
};

const std::vector<RouteCase> k_routes = {
    {"GET", "/api/v1/trading/history?limit=5", Role::viewer},
    {"GET", "/api/v1/trading/trades/1", Role::viewer},
    {"GET", "/api/v1/quote?from=BNB&to=0x1111111111111111111111111111111111111111&amount=1", Role::viewer},
    {"GET", "/api/v1/gas-price", Role::viewer},
    {"POST", "/api/v1/trading/swap", Role::trader},
    {"POST", "/api/v1/trading/trades/1/cancel", Role::trader},
};

// The HTTP status of a WebSocket upgrade to `target` (101 when accepted), read off the wire.
int ws_upgrade_status(int port, const std::string& target, const std::optional<std::string>& bearer = std::nullopt) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  beast::http::request<beast::http::empty_body> req{beast::http::verb::get, target, 11};
  req.set(beast::http::field::host, "127.0.0.1");
  req.set(beast::http::field::upgrade, "websocket");
  req.set(beast::http::field::connection, "Upgrade");
  req.set(beast::http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  req.set(beast::http::field::sec_websocket_version, "13");
  if (bearer) req.set(beast::http::field::authorization, "Bearer " + *bearer);
  beast::http::write(stream, req);
  beast::flat_buffer buffer;
  beast::http::response_parser<beast::http::empty_body> parser;
  parser.skip(true);  // a 101 has no body; a refusal's body is not needed
  beast::error_code ec;
  beast::http::read_header(stream, buffer, parser, ec);
  return ec ? -1 : static_cast<int>(parser.get().result_int());
}

}  // namespace

TEST_SUITE("auth") {

TEST_CASE("auth: every trading route refuses missing, expired and wrongly signed tokens") {
  test::Scratch s("auth-routes");
  test::Daemon d(s.path(), {{"JWT_SECRET", test::k_jwt_secret}, {"LOOPBACK_READS_WITHOUT_TOKEN", "false"}});
  d.start();
  const std::string expired = core::auth::mint_token(test::k_jwt_secret, "old", Role::admin, std::chrono::seconds(60),
                                                     core::FixedClock(core::system_clock().now() - std::chrono::hours(1)));
  const std::string forged = core::auth::mint_token(std::string(64, 'x'), "mallory", Role::admin, std::chrono::hours(1));
  int refusals = 0;
  for (const auto& route : k_routes) {
    CAPTURE(route.path);
    const json body = route.method == "POST" ? json::object() : json(nullptr);
    for (const std::optional<std::string>& token : {std::optional<std::string>(), std::optional<std::string>(expired),
                                                     std::optional<std::string>(forged), std::optional<std::string>("not.a.jwt")}) {
      const auto r = test::call(d, route.method, route.path, token, body);
      CHECK(r.status == 401);
      CHECK(r.headers.count("www-authenticate") == 1);
      ++refusals;
    }
    // A valid token passes auth: whatever the answer, it is not 401/403 (quotes get 503 here,
    // with the chain disabled).
    const auto ok = test::call(d, route.method, route.path, test::token_for(route.needs), body);
    CHECK(ok.status != 401);
    CHECK(ok.status != 403);
    if (route.needs == Role::trader) {
      const auto weak = test::call(d, route.method, route.path, test::token_for(Role::viewer), body);
      CHECK(weak.status == 403);
      CHECK(weak.body.find("needs trader") != std::string::npos);
      ++refusals;
    }
  }
  // /ws: the same rules on the upgrade, by header or ?token=.
  CHECK(ws_upgrade_status(d.port(), "/ws") == 401);
  CHECK(ws_upgrade_status(d.port(), "/ws?token=" + expired) == 401);
  CHECK(ws_upgrade_status(d.port(), "/ws", forged) == 401);
  CHECK(ws_upgrade_status(d.port(), "/ws?token=" + test::token_for(Role::viewer)) == 101);
  CHECK(ws_upgrade_status(d.port(), "/ws", test::token_for(Role::viewer)) == 101);
  refusals += 3;

  // Counted in /api/health? No: in the log, which the audit greps, one line per refusal.
  test::eventually([&] {
    return test::shell("grep -cE '\\[warning\\].* (401|403) response_time' logs/api-server.log", s.path()).out ==
           std::to_string(refusals) + "\n";
  });
  const auto lines = test::shell("grep -E '\\[warning\\].* (401|403) response_time' logs/api-server.log | wc -l", s.path());
  CHECK(lines.out == std::to_string(refusals) + "\n");
  // The token given in /ws?token= is never written to the log.
  CHECK(test::read_text(s / "logs" / "api-server.log").find(expired) == std::string::npos);
}

TEST_CASE("auth: loopback reads without a token, but a presented token is always checked") {
  test::Scratch s("auth-loopback");
  test::Daemon d(s.path(), {{"JWT_SECRET", test::k_jwt_secret}});
  d.start();
  CHECK(d.get("/api/v1/trading/history?limit=20").status == 200);
  CHECK(d.get("/api/v1/gas-price").status == 503);  // passes auth; the chain is disabled
  CHECK(test::call(d, "GET", "/api/v1/trading/history", std::string("garbage")).status == 401);
  CHECK(test::call(d, "POST", "/api/v1/trading/swap", std::nullopt, json::object()).status == 401);  // writes need a token
  CHECK(ws_upgrade_status(d.port(), "/ws") == 101);
}

TEST_CASE("auth: bscbot token issue mints what the daemon accepts") {
  test::Scratch s("auth-issue");
  const std::map<std::string, std::string> env = {{"JWT_SECRET", test::k_jwt_secret}, {"LOOPBACK_READS_WITHOUT_TOKEN", "false"}};
  test::Daemon d(s.path(), env);
  d.start();
  auto r = test::bscbot({"token", "issue", "--role", "viewer", "--subject", "alice", "--ttl", "1h"}, s.path(), env);
  REQUIRE(r.exit_code == 0);
  const std::string token = r.out.substr(0, r.out.find('\n'));
  CHECK(test::call(d, "GET", "/api/v1/trading/history", token).status == 200);
  CHECK(test::call(d, "POST", "/api/v1/trading/swap", token, json::object()).status == 403);
  r = test::bscbot({"--json", "token", "issue", "--role", "trader", "--subject", "bot"}, s.path(), env);
  REQUIRE(r.exit_code == 0);
  const json doc = json::parse(r.out);
  CHECK(doc["role"] == "trader");
  CHECK(test::call(d, "POST", "/api/v1/trading/swap", doc["token"].get<std::string>(), json::object()).status == 400);
  r = test::bscbot({"token", "issue", "--role", "root", "--subject", "x"}, s.path(), env);
  CHECK(r.exit_code != 0);
  r = test::bscbot({"token", "issue", "--subject", "x"}, s.path(), {{"JWT_SECRET", ""}});
  CHECK(r.exit_code == 78);
}

TEST_CASE("auth: DISABLE_AUTH lets requests through outside production, loudly") {
  test::Scratch s("auth-disabled");
  test::Daemon d(s.path(), {{"DISABLE_AUTH", "true"}, {"LOOPBACK_READS_WITHOUT_TOKEN", "false"}});
  d.start();
  CHECK(test::call(d, "POST", "/api/v1/trading/swap", std::nullopt, json::object()).status == 400);
  CHECK(test::read_text(s / "logs" / "api-server.log").find("DISABLE_AUTH=true") != std::string::npos);
  const auto r = test::run(test::bscbotd_exe(), {}, s.path(), {{"DISABLE_AUTH", "true"}, {"NODE_ENV", "production"}, {"PORT", std::to_string(test::free_port())}});
  CHECK(r.exit_code == 78);
}

}  // TEST_SUITE
