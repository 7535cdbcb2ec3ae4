// The daemon's cache of verified tokens: it saves the signature check, never the judgement of
// the time claims, and never remembers a refusal or a token of another secret.
#include <doctest/doctest.h>

#include "core/auth/token.hpp"
#include "core/auth/token_cache.hpp"

using namespace bscbot::core;
using namespace bscbot::core::auth;

namespace {

const std::string k_secret(64, 's');
const SystemTime k_start = SystemTime(std::chrono::seconds(1'800'000'000));

}  // namespace

TEST_CASE("token cache: a remembered token still expires on time, by the injected clock") {
  FixedClock clock(k_start);
  TokenCache cache;
  const std::string token = mint_token(k_secret, "alice", Role::trader, std::chrono::seconds(60), clock);
  for (int i = 0; i < 3; ++i) {
    const Verdict v = cache.verify(k_secret, token, clock);
    REQUIRE(v.ok());
    CHECK(v.claims->subject == "alice");
    CHECK(v.claims->role == Role::trader);
  }
  clock.advance(std::chrono::seconds(59));
  CHECK(cache.verify(k_secret, token, clock).ok());
  clock.advance(std::chrono::seconds(1));
  const Verdict late = cache.verify(k_secret, token, clock);
  CHECK(late.refusal == Refusal::expired);
  CHECK(late.message == verify_token(k_secret, token, clock).message);
}

TEST_CASE("token cache: a token issued in the future is refused until its time, then accepted") {
  FixedClock clock(k_start);
  TokenCache cache;
  const FixedClock ahead(k_start + std::chrono::minutes(5));
  const std::string token = mint_token(k_secret, "bob", Role::viewer, std::chrono::hours(1), ahead);
  CHECK(cache.verify(k_secret, token, clock).refusal == Refusal::bad_claims);
  clock.advance(std::chrono::minutes(5));
  CHECK(cache.verify(k_secret, token, clock).ok());
  clock.advance(-std::chrono::minutes(5));  // the clock stepped back: judged again, refused again
  CHECK(cache.verify(k_secret, token, clock).refusal == Refusal::bad_claims);
}

TEST_CASE("token cache: a new secret forgets the old tokens; bad tokens are refused every time") {
  FixedClock clock(k_start);
  TokenCache cache(2);
  const std::string token = mint_token(k_secret, "alice", Role::admin, std::chrono::hours(1), clock);
  REQUIRE(cache.verify(k_secret, token, clock).ok());
  const std::string other(64, 'o');
  CHECK(cache.verify(other, token, clock).refusal == Refusal::bad_signature);
  CHECK(cache.verify(k_secret, token, clock).ok());
  std::string tampered = token;
  tampered[tampered.size() - 2] = tampered[tampered.size() - 2] == 'A' ? 'B' : 'A';
  for (int i = 0; i < 2; ++i) CHECK(cache.verify(k_secret, tampered, clock).refusal == Refusal::bad_signature);
  CHECK(cache.verify(k_secret, "not-a-jwt", clock).refusal == Refusal::malformed);
  // More tokens than it holds: each still verifies.
  for (int i = 0; i < 5; ++i) {
    const std::string t = mint_token(k_secret, "user" + std::to_string(i), Role::viewer, std::chrono::hours(1), clock);
    CHECK(cache.verify(k_secret, t, clock).ok());
    CHECK(cache.verify(k_secret, t, clock).claims->subject == "user" + std::to_string(i));
  }
}
