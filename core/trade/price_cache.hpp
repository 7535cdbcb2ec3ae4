#pragma once
// Pair reserves, cached: a price is read from the pair's getReserves() at most once per TTL
// (the manual's 30 s), and at most `max_requests` RPC requests are spent per window (its 40),
// so a burst of quotes cannot exhaust a rate-limited RPC plan. Every lookup is a HIT or a MISS,
// counted and reported, which is what `cache_hit_rate` and the manual's log greps measure.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/chain/address.hpp"
#include "core/util/clock.hpp"
#include "core/util/wei.hpp"

namespace bscbot::core::trade {

struct PairPrice {
  chain::Address pair;
  chain::Address token0;  // the lower address, as the V2 factory orders them
  chain::Address token1;
  U256 reserve0;
  U256 reserve1;
  std::uint32_t block_timestamp_last = 0;
  SystemTime fetched_at;

  // Units of token1 per unit of token0 (and the reverse), from the reserves; 0 when empty.
  // Decimal scaling is the caller's: these are raw base-unit ratios.
  double price0() const;
  double price1() const;
};

struct PriceLookup {
  PairPrice price;
  bool hit = false;    // served fresh from the cache
  bool stale = false;  // older than the TTL, served because the request budget is spent
};

struct PriceCacheOptions {
  std::chrono::milliseconds ttl{30000};
  int max_requests = 40;
  std::chrono::milliseconds window{60000};
};

class PriceCache {
public:
  // factory.getPair(a, b): the pair address, zero when no pair exists. One RPC request.
  using GetPair = std::function<chain::Address(const chain::Address& a, const chain::Address& b)>;
  // pair.getReserves() as (reserve0, reserve1, blockTimestampLast). One RPC request.
  using GetReserves = std::function<std::tuple<U256, U256, std::uint32_t>(const chain::Address& pair)>;
  // Told of every lookup: whether it hit, and "TOKEN0/TOKEN1 (pair)" for the log line.
  using OnLookup = std::function<void(bool hit, bool stale, const std::string& what)>;

  PriceCache(PriceCacheOptions options, GetPair get_pair, GetReserves get_reserves, const Clock& clock = system_clock(),
             OnLookup on_lookup = {});

  // The reserves of the pair of `a` and `b`. Throws core::Error(not_found) when no pair exists
  // and core::Error(unavailable) "rate limited" when the entry is missing and the budget is
  // spent; RPC failures pass through.
  PriceLookup lookup(const chain::Address& a, const chain::Address& b);

  // Re-reads every cached pair older than the TTL, within the budget; returns the refreshed
  // prices (for the WebSocket price stream).
  std::vector<PairPrice> refresh_expired();

  std::size_t size() const;
  std::uint64_t hits() const;
  std::uint64_t misses() const;
  // RPC requests spent in the current window.
  int requests_in_window() const;

private:
  using Key = std::pair<chain::Address, chain::Address>;
  static Key key_of(const chain::Address& a, const chain::Address& b);
  // Takes one request from the budget; false when it is spent. Caller holds m_mutex.
  bool take_request();
  PairPrice fetch(const Key& key, const chain::Address& pair);

  PriceCacheOptions m_options;
  GetPair m_get_pair;
  GetReserves m_get_reserves;
  const Clock& m_clock;
  OnLookup m_on_lookup;
  mutable std::mutex m_mutex;
  std::map<Key, chain::Address> m_pairs;   // pair addresses never change
  std::map<Key, PairPrice> m_prices;
  std::deque<SystemTime> m_requests;       // when each request of the window was spent
  std::uint64_t m_hits = 0;
  std::uint64_t m_misses = 0;
};

}  // namespace bscbot::core::trade
