// The price cache: TTL, the request budget per window (with an injected clock), stale serving
// and HIT/MISS accounting.
#include <doctest/doctest.h>

#include "core/error.hpp"
#include "core/trade/price_cache.hpp"

using namespace bscbot::core;
using namespace bscbot::core::trade;
using bscbot::core::chain::Address;

namespace {

const Address k_a = Address::parse("0x1111111111111111111111111111111111111111");
const Address k_b = Address::parse("0x2222222222222222222222222222222222222222");
const Address k_c = Address::parse("0x3333333333333333333333333333333333333333");
const Address k_pair = Address::parse("0x9999999999999999999999999999999999999999");

struct Fixture {
  FixedClock clock{SystemTime(std::chrono::seconds(1'700'000'000))};
  int pair_calls = 0;
  int reserve_calls = 0;
  U256 reserve0 = 1000;
  std::vector<std::pair<bool, bool>> lookups;  // (hit, stale)
  PriceCache cache;

  explicit Fixture(PriceCacheOptions o)
      : cache(
            o,
            [this](const Address& x, const Address& y) {
              ++pair_calls;
              return (x == k_c || y == k_c) ? Address() : k_pair;
            },
            [this](const Address&) {
              ++reserve_calls;
              return std::tuple<U256, U256, std::uint32_t>{reserve0, U256(2000), 1};
            },
            clock, [this](bool hit, bool stale, const std::string&) { lookups.emplace_back(hit, stale); }) {}
};

PriceCacheOptions options(int ttl_ms, int max_requests, int window_ms) {
  PriceCacheOptions o;
  o.ttl = std::chrono::milliseconds(ttl_ms);
  o.max_requests = max_requests;
  o.window = std::chrono::milliseconds(window_ms);
  return o;
}

}  // namespace

TEST_CASE("trade: price cache hits within the TTL and misses after it") {
  Fixture f(options(30000, 40, 60000));
  const auto first = f.cache.lookup(k_b, k_a);
  CHECK_FALSE(first.hit);
  CHECK(first.price.token0 == k_a);  // ordered like the factory orders a pair
  CHECK(first.price.reserve0 == 1000);
  CHECK(first.price.price0() == doctest::Approx(2.0));
  CHECK(f.cache.lookup(k_a, k_b).hit);
  f.clock.advance(std::chrono::seconds(29));
  CHECK(f.cache.lookup(k_a, k_b).hit);
  f.clock.advance(std::chrono::seconds(1));
  f.reserve0 = 500;
  const auto refreshed = f.cache.lookup(k_a, k_b);
  CHECK_FALSE(refreshed.hit);
  CHECK(refreshed.price.reserve0 == 500);
  CHECK(f.pair_calls == 1);  // the pair address is looked up once
  CHECK(f.reserve_calls == 2);
  CHECK(f.cache.hits() == 2);
  CHECK(f.cache.misses() == 2);
  CHECK(f.cache.size() == 1);
  CHECK(f.lookups.size() == 4);
}

TEST_CASE("trade: price cache spends at most max_requests per window") {
  Fixture f(options(1000, 3, 60000));
  f.cache.lookup(k_a, k_b);  // getPair + getReserves: 2 requests
  CHECK(f.cache.requests_in_window() == 2);
  f.clock.advance(std::chrono::seconds(2));
  f.cache.lookup(k_a, k_b);  // expired: 1 request, budget now spent
  CHECK(f.cache.requests_in_window() == 3);
  f.clock.advance(std::chrono::seconds(2));
  // Expired again and no budget: the stale entry is served and reported as such.
  const auto stale = f.cache.lookup(k_a, k_b);
  CHECK(stale.stale);
  CHECK_FALSE(stale.hit);
  CHECK(f.lookups.back() == std::make_pair(false, true));
  CHECK(f.reserve_calls == 2);
  // A pair never seen cannot be served at all: "rate limited".
  try {
    f.cache.lookup(k_a, Address::parse("0x4444444444444444444444444444444444444444"));
    FAIL("expected rate limited");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::unavailable);
    CHECK(std::string(e.what()).find("rate limited") != std::string::npos);
  }
  // The window slides: after it, requests are allowed again.
  f.clock.advance(std::chrono::seconds(60));
  CHECK_FALSE(f.cache.lookup(k_a, k_b).stale);
  CHECK(f.reserve_calls == 3);
}

TEST_CASE("trade: price cache refresh re-reads expired pairs within the budget") {
  Fixture f(options(1000, 40, 60000));
  f.cache.lookup(k_a, k_b);
  CHECK(f.cache.refresh_expired().empty());
  f.clock.advance(std::chrono::seconds(1));
  f.reserve0 = 42;
  const auto refreshed = f.cache.refresh_expired();
  REQUIRE(refreshed.size() == 1);
  CHECK(refreshed[0].reserve0 == 42);
  CHECK(f.cache.lookup(k_a, k_b).hit);
}

TEST_CASE("trade: price cache reports a missing pair as not found") {
  Fixture f(options(1000, 40, 60000));
  CHECK_THROWS_AS(f.cache.lookup(k_a, k_c), Error);
  CHECK(f.cache.size() == 0);
}
