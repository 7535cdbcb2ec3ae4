// What the fuzz targets (fuzz/) found in bscbotd's request path, replayed against a real daemon:
// each request here once ended the daemon or reached undefined behaviour in a library, and
// must now get a clean answer while the daemon keeps serving.
#include <doctest/doctest.h>
#include <openssl/hmac.h>

#include <nlohmann/json.hpp>

#include "tests/blackbox/trade_fixture.hpp"

using namespace bscbot;
using nlohmann::json;

namespace {

std::string base64url(const std::string& bytes) {
  static const char* k_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned value = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    value = (value << 8) | c;
    bits += 8;
    while (bits >= 6) {
      out += k_alphabet[(value >> (bits - 6)) & 0x3f];
      bits -= 6;
    }
  }
  if (bits > 0) out += k_alphabet[(value << (6 - bits)) & 0x3f];
  return out;
}

// An HS256 token with exactly `claims` (JSON text), signed with the daemon's secret.
std::string signed_token(const std::string& claims) {
  const std::string input = base64url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url(claims);
  unsigned char mac[32];
  unsigned int length = 0;
  HMAC(EVP_sha256(), test::k_jwt_secret.data(), static_cast<int>(test::k_jwt_secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &length);
  return input + "." + base64url(std::string(reinterpret_cast<const char*>(mac), length));
}

void check_still_serving(const test::Daemon& d) {
  REQUIRE(const_cast<test::Daemon&>(d).running());
  CHECK(d.get("/api/health").status == 200);
}

}  // namespace

TEST_SUITE("daemon") {

TEST_CASE("daemon: invalid UTF-8 echoed in an error message is answered, not fatal") {
  // nlohmann's dump() threw on the 0xFF the error message quotes; the exception left the
  // dispatcher and the daemon died ("terminate called"). Found by fuzz_http_request.
  test::Scratch s("bb-hostile-utf8");
  test::Daemon d(s.path());
  d.start();
  for (const char* target : {"/api/v1/trading/history?limit=%FF", "/api/v1/trading/history?wallet=%C3", "/%FF%FE",
                             "/api/v1/trading/trades/%E2%82", "/api/v1/trading/history?%FF=1"}) {
    CAPTURE(target);
    const auto r = d.get(target);
    CHECK(r.status >= 400);
    CHECK(r.status < 500);
    const json body = json::parse(r.body);  // valid JSON, with U+FFFD for the bad bytes
    CHECK(body["error"].get<std::string>().find("\xEF\xBF\xBD") != std::string::npos);
    check_still_serving(d);
  }
}

TEST_CASE("daemon: tokens cpp-jwt cannot read safely are refused before it reads them") {
  test::Scratch s("bb-hostile-jwt");
  test::Daemon d(s.path(), {{"JWT_SECRET", test::k_jwt_secret}});
  d.start();
  const std::string good = test::token_for(core::auth::Role::viewer);
  // A byte above 0x7f: cpp-jwt's base64 decoder indexed its table with a negative char (an
  // out-of-bounds read; an assertion in its debug form). Found by fuzz_http_request.
  std::string high_byte = good;
  high_byte[high_byte.find('.') + 3] = '\x9d';
  const auto r1 = test::call(d, "GET", "/api/v1/trading/history", high_byte);
  CHECK(r1.status == 401);
  CHECK(json::parse(r1.body)["error"].get<std::string>().find("outside base64url") != std::string::npos);
  check_still_serving(d);

  // exp as a number beyond 64 bits (or a fraction): cpp-jwt converted it to uint64_t, undefined
  // behaviour, while checking claims before the signature. Found by fuzz_jwt.
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (const std::string& exp : {std::string("1180591620717411303424"), std::to_string(now + 3600) + ".5", std::string("1e300")}) {
    CAPTURE(exp);
    const std::string token = signed_token(R"({"exp":)" + exp + R"(,"iat":)" + std::to_string(now) + R"(,"role":"admin","sub":"x"})");
    const auto r = test::call(d, "GET", "/api/v1/trading/history", token);
    CHECK(r.status == 401);
    CHECK(json::parse(r.body)["error"].get<std::string>().find("exp is not a whole number") != std::string::npos);
  }
  // The same claims with a whole exp are a valid token: the check refuses only the bad form.
  const std::string whole = signed_token(R"({"exp":)" + std::to_string(now + 3600) + R"(,"iat":)" + std::to_string(now) +
                                         R"(,"role":"admin","sub":"x"})");
  CHECK(test::call(d, "GET", "/api/v1/trading/history", whole).status == 200);
  check_still_serving(d);
}

}  // TEST_SUITE
