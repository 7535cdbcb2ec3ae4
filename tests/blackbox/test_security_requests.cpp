// Issue 12 rows 10, 11 and 12: what a request may carry. A token is not valid before its nbf;
// an amount is never silently rounded; a malformed field is a 400 naming it, never a 500.
#include <jwt/jwt.hpp>

#include "tests/blackbox/security_fixture.hpp"

using namespace bscbot;
using core::auth::Role;
using nlohmann::json;

TEST_SUITE("security") {

TEST_CASE("security: a token is refused before its nbf") {
  test::Scratch s("sec-nbf");
  test::Daemon d(s.path(), {{"JWT_SECRET", test::k_jwt_secret}, {"LOOPBACK_READS_WITHOUT_TOKEN", "false"}});
  d.start();
  const auto now = std::chrono::system_clock::now();
  auto token = [&](std::chrono::system_clock::time_point nbf) {
    jwt::jwt_object t{jwt::params::algorithm("HS256"), jwt::params::secret(test::k_jwt_secret)};
    t.add_claim("sub", "early-bird");
    t.add_claim("role", "admin");
    t.add_claim("iat", now);
    t.add_claim("exp", now + std::chrono::hours(48));
    t.add_claim("nbf", nbf);
    return t.signature();
  };
  // A token handed out today for tomorrow must not work today.
  const auto early = test::call(d, "GET", "/api/v1/trading/history", token(now + std::chrono::hours(24)));
  CHECK(early.status == 401);
  CHECK(early.body.find("nbf") != std::string::npos);
  CHECK(test::ws_upgrade(d.port(), "/ws?token=" + token(now + std::chrono::hours(24))) == 401);
  // Within the one-minute clock skew, and once the time has come, it does.
  CHECK(test::call(d, "GET", "/api/v1/trading/history", token(now + std::chrono::seconds(20))).status == 200);
  CHECK(test::call(d, "GET", "/api/v1/trading/history", token(now - std::chrono::minutes(5))).status == 200);
}

TEST_CASE("security: swap amounts are strings or exact integers; a rounded JSON number is a 400") {
  test::Scratch s("sec-amounts");
  test::Daemon d(s.path(), {{"JWT_SECRET", test::k_jwt_secret}});
  d.start();
  const std::string trader = test::token_for(Role::trader);
  const std::string to = "0x1111111111111111111111111111111111111111";
  auto swap = [&](const std::string& raw_body) {
    return test::request(d, "POST", "/api/v1/trading/swap", {{"Authorization", "Bearer " + trader}, {"Content-Type", "application/json"}},
                         raw_body);
  };
  for (const char* bad : {R"("amount": 123456789.123456789)", R"("amount": 0.1)", R"("amount": 9007199254740993)",
                                 R"("amount": 1e21)", R"("amount_wei": 1000000000000000000000)", R"("amount_out_min": 1.5, "amount": "1")"}) {
    CAPTURE(bad);
    const auto r = swap(R"({"from": "BNB", "to": ")" + to + R"(", )" + std::string(bad) + "}");
    CHECK(r.status == 400);
    CHECK(r.body.find("must be a string") != std::string::npos);
  }
  // Text, and small whole numbers, pass the parse (and reach the engine: off here, so 503).
  for (const char* good : {R"("amount": "123456789.123456789")", R"("amount": 5)", R"("amount_wei": "1000000000000000000000")",
                                  R"("amount_wei": 9007199254740992)"}) {
    CAPTURE(good);
    CHECK(swap(R"({"from": "BNB", "to": ")" + to + R"(", )" + std::string(good) + "}").status == 503);
  }
}

TEST_CASE("security: a non-boolean dry_run is a 400 naming it, never a 500") {
  test::Scratch s("sec-dry-run");
  test::Daemon d(s.path(), {{"JWT_SECRET", test::k_jwt_secret}});
  d.start();
  const std::string trader = test::token_for(Role::trader);
  for (const json& value : {json("yes"), json(1), json::object(), json::array({true})}) {
    CAPTURE(value.dump());
    const auto r = test::call(d, "POST", "/api/v1/trading/swap", trader, {{"from", "BNB"}, {"to", "0x1111111111111111111111111111111111111111"},
                                                                           {"amount", "1"}, {"dry_run", value}});
    CHECK(r.status == 400);
    CHECK(json::parse(r.body)["error"].get<std::string>().find("dry_run must be true or false") != std::string::npos);
  }
  CHECK(test::call(d, "POST", "/api/v1/trading/swap", trader,
                   {{"from", "BNB"}, {"to", "0x1111111111111111111111111111111111111111"}, {"amount", "1"}, {"dry_run", true}})
            .status == 503);
  // No answer of the whole run was a 500.
  CHECK(test::metric_value(d.get("/api/metrics").body, R"(http_requests_total{method="POST",route="/api/v1/trading/swap",status="500"})") == 0);
}

}  // TEST_SUITE
