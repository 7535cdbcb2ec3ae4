// API tokens: what the daemon accepts and refuses, and the role order behind 401 vs 403.
#include <doctest/doctest.h>

#include <jwt/jwt.hpp>

#include "core/auth/token.hpp"
#include "core/error.hpp"

using namespace bscbot::core;
using namespace bscbot::core::auth;

namespace {

const std::string k_secret(64, 's');

}  // namespace

TEST_CASE("auth: a minted token verifies with its subject and role") {
  const std::string token = mint_token(k_secret, "alice", Role::trader, std::chrono::hours(1));
  const Verdict v = verify_token(k_secret, token);
  REQUIRE(v.ok());
  CHECK(v.claims->subject == "alice");
  CHECK(v.claims->role == Role::trader);
  CHECK(v.claims->expires_at - v.claims->issued_at == std::chrono::hours(1));
}

TEST_CASE("auth: expired, wrongly signed, malformed and unsigned tokens are refused") {
  SUBCASE("expired") {
    const FixedClock past(system_clock().now() - std::chrono::hours(2));
    const std::string token = mint_token(k_secret, "alice", Role::admin, std::chrono::hours(1), past);
    const Verdict v = verify_token(k_secret, token);
    CHECK_FALSE(v.ok());
    CHECK(v.refusal == Refusal::expired);
    CHECK(v.message.find("expired") != std::string::npos);
  }
  SUBCASE("expiry follows the injected clock") {
    const std::string token = mint_token(k_secret, "alice", Role::admin, std::chrono::seconds(60));
    const FixedClock later(system_clock().now() + std::chrono::seconds(61));
    CHECK(verify_token(k_secret, token, later).refusal == Refusal::expired);
    CHECK(verify_token(k_secret, token).ok());
  }
  SUBCASE("wrong secret") {
    const std::string token = mint_token(std::string(64, 'x'), "mallory", Role::admin, std::chrono::hours(1));
    const Verdict v = verify_token(k_secret, token);
    CHECK_FALSE(v.ok());
    CHECK(v.refusal == Refusal::bad_signature);
    CHECK(v.message.find(k_secret) == std::string::npos);
  }
  SUBCASE("tampered payload") {
    std::string token = mint_token(k_secret, "alice", Role::viewer, std::chrono::hours(1));
    const std::string admin = mint_token(std::string(64, 'x'), "alice", Role::admin, std::chrono::hours(1));
    // Header and signature of ours, payload of the forged admin token.
    const auto p1 = token.find('.'), p2 = token.rfind('.');
    const auto q1 = admin.find('.'), q2 = admin.rfind('.');
    token = token.substr(0, p1 + 1) + admin.substr(q1 + 1, q2 - q1 - 1) + token.substr(p2);
    CHECK(verify_token(k_secret, token).refusal == Refusal::bad_signature);
  }
  SUBCASE("alg none") {
    jwt::jwt_object unsigned_token{jwt::params::algorithm("none")};
    unsigned_token.add_claim("sub", "mallory");
    unsigned_token.add_claim("role", "admin");
    unsigned_token.add_claim("exp", std::chrono::system_clock::now() + std::chrono::hours(1));
    CHECK_FALSE(verify_token(k_secret, unsigned_token.signature()).ok());
  }
  SUBCASE("garbage") {
    CHECK(verify_token(k_secret, "not-a-token").refusal == Refusal::malformed);
    CHECK(verify_token(k_secret, "").refusal == Refusal::malformed);
    CHECK_FALSE(verify_token(k_secret, "a.b.c").ok());
  }
  SUBCASE("no secret on the daemon") {
    const std::string token = mint_token(k_secret, "alice", Role::viewer, std::chrono::hours(1));
    CHECK_FALSE(verify_token("", token).ok());
  }
}

TEST_CASE("auth: claims must carry exp, sub and a known role") {
  auto signed_with = [](auto&& fill) {
    jwt::jwt_object t{jwt::params::algorithm("HS256"), jwt::params::secret(k_secret)};
    fill(t);
    return t.signature();
  };
  const auto exp = std::chrono::system_clock::now() + std::chrono::hours(1);
  CHECK(verify_token(k_secret, signed_with([&](auto& t) { t.add_claim("sub", "a"); t.add_claim("role", "admin"); })).refusal == Refusal::bad_claims);
  CHECK(verify_token(k_secret, signed_with([&](auto& t) { t.add_claim("role", "admin"); t.add_claim("exp", exp); })).refusal == Refusal::bad_claims);
  CHECK(verify_token(k_secret, signed_with([&](auto& t) { t.add_claim("sub", "a"); t.add_claim("role", "root"); t.add_claim("exp", exp); })).refusal == Refusal::bad_claims);
  CHECK(verify_token(k_secret, signed_with([&](auto& t) { t.add_claim("sub", "a"); t.add_claim("role", "viewer"); t.add_claim("exp", exp); })).ok());
}

TEST_CASE("auth: nbf is checked against the injected clock with a one-minute skew") {
  const auto now = std::chrono::system_clock::now();
  auto with_nbf = [&](std::chrono::system_clock::time_point nbf) {
    jwt::jwt_object t{jwt::params::algorithm("HS256"), jwt::params::secret(k_secret)};
    t.add_claim("sub", "early");
    t.add_claim("role", "admin");
    t.add_claim("exp", now + std::chrono::hours(2));
    t.add_claim("nbf", nbf);
    return t.signature();
  };
  const Verdict future = verify_token(k_secret, with_nbf(now + std::chrono::hours(1)));
  CHECK(future.refusal == Refusal::not_yet_valid);
  CHECK(future.message.find("nbf") != std::string::npos);
  CHECK(verify_token(k_secret, with_nbf(now + std::chrono::seconds(30))).ok());  // within the skew
  CHECK(verify_token(k_secret, with_nbf(now - std::chrono::hours(1))).ok());
  // The same token becomes valid once the clock reaches its nbf.
  const FixedClock later(now + std::chrono::minutes(61));
  CHECK(verify_token(k_secret, with_nbf(now + std::chrono::hours(1)), later).ok());
}

TEST_CASE("auth: time claims follow the injected clock alone, with no hidden leeway") {
  // Minted and checked in 2001: valid then, expired by the real clock.
  const FixedClock then(SystemTime(std::chrono::seconds(1'000'000'000)));
  const std::string token = mint_token(k_secret, "alice", Role::viewer, std::chrono::hours(1), then);
  CHECK(verify_token(k_secret, token, then).ok());
  CHECK(verify_token(k_secret, token).refusal == Refusal::expired);
  const FixedClock just_after(SystemTime(std::chrono::seconds(1'000'000'000 + 3600)));
  CHECK(verify_token(k_secret, token, just_after).refusal == Refusal::expired);
}

TEST_CASE("auth: role order and parsing") {
  CHECK(role_allows(Role::admin, Role::trader));
  CHECK(role_allows(Role::trader, Role::trader));
  CHECK(role_allows(Role::trader, Role::viewer));
  CHECK_FALSE(role_allows(Role::viewer, Role::trader));
  CHECK_FALSE(role_allows(Role::trader, Role::admin));
  CHECK(parse_role("trader") == Role::trader);
  CHECK_FALSE(parse_role("Trader").has_value());
  CHECK_THROWS_AS(mint_token("", "a", Role::viewer, std::chrono::hours(1)), Error);
  CHECK_THROWS_AS(mint_token(k_secret, "", Role::viewer, std::chrono::hours(1)), Error);
}

TEST_CASE("auth: bearer header parsing") {
  CHECK(bearer_token("Bearer abc.def.ghi") == std::optional<std::string>("abc.def.ghi"));
  CHECK(bearer_token("bearer   abc ") == std::optional<std::string>("abc"));
  CHECK_FALSE(bearer_token("Basic dXNlcjpwYXNz").has_value());
  CHECK_FALSE(bearer_token("Bearer ").has_value());
}
