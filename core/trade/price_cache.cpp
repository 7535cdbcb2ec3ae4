#include "core/trade/price_cache.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace bscbot::core::trade {

namespace {

double ratio(const U256& num, const U256& den) {
  if (den == 0) return 0.0;
  return num.convert_to<double>() / den.convert_to<double>();
}

std::string describe(const PairPrice& p) {
  return fmt::format("{}/{} ({})", p.token0.to_hex(), p.token1.to_hex(), p.pair.to_hex());
}

}  // namespace

double PairPrice::price0() const { return ratio(reserve1, reserve0); }
double PairPrice::price1() const { return ratio(reserve0, reserve1); }

PriceCache::PriceCache(PriceCacheOptions options, GetPair get_pair, GetReserves get_reserves, const Clock& clock,
                       OnLookup on_lookup)
    : m_options(options),
      m_get_pair(std::move(get_pair)),
      m_get_reserves(std::move(get_reserves)),
      m_clock(clock),
      m_on_lookup(std::move(on_lookup)) {}

PriceCache::Key PriceCache::key_of(const chain::Address& a, const chain::Address& b) {
  return a < b ? Key{a, b} : Key{b, a};
}

bool PriceCache::take_request() {
  const SystemTime now = m_clock.now();
  while (!m_requests.empty() && now - m_requests.front() >= m_options.window) m_requests.pop_front();
  if (static_cast<int>(m_requests.size()) >= m_options.max_requests) return false;
  m_requests.push_back(now);
  return true;
}

PairPrice PriceCache::fetch(const Key& key, const chain::Address& pair) {
  auto [r0, r1, ts] = m_get_reserves(pair);
  PairPrice p;
  p.pair = pair;
  p.token0 = key.first;
  p.token1 = key.second;
  p.reserve0 = r0;
  p.reserve1 = r1;
  p.block_timestamp_last = ts;
  p.fetched_at = m_clock.now();
  return p;
}

PriceLookup PriceCache::lookup(const chain::Address& a, const chain::Address& b) {
  const Key key = key_of(a, b);
  std::optional<chain::Address> pair;
  std::optional<PairPrice> cached;
  // The listener is told outside the lock, so it may ask the cache for its size.
  auto tell = [this](bool hit, bool stale, const std::string& what) {
    if (m_on_lookup) m_on_lookup(hit, stale, what);
  };
  bool affordable = false;
  bool hit = false;
  {
    std::lock_guard lock(m_mutex);
    if (auto it = m_prices.find(key); it != m_prices.end()) cached = it->second;
    if (cached && m_clock.now() - cached->fetched_at < m_options.ttl) {
      hit = true;
      ++m_hits;
    } else {
      if (auto it = m_pairs.find(key); it != m_pairs.end()) pair = it->second;
      // A miss costs one request for the reserves, and one more the first time for the pair.
      affordable = take_request() && (pair || take_request());
      ++m_misses;
    }
  }
  if (hit) {
    tell(true, false, describe(*cached));
    return PriceLookup{*cached, true, false};
  }
  if (!affordable) {
    const std::string what = cached ? describe(*cached) : fmt::format("{}/{}", key.first.to_hex(), key.second.to_hex());
    tell(false, cached.has_value(), what + " rate limited");
    if (cached) return PriceLookup{*cached, false, true};
    throw Error(ErrorKind::unavailable,
                fmt::format("rate limited: the price cache spent its {} RPC requests of this {} ms window; retry shortly",
                            m_options.max_requests, m_options.window.count()));
  }
  if (!pair) {
    pair = m_get_pair(key.first, key.second);
    if (pair->is_zero()) {
      tell(false, false, fmt::format("{}/{} no pair", key.first.to_hex(), key.second.to_hex()));
      throw Error(ErrorKind::not_found, fmt::format("no PancakeSwap pair for {} and {} (insufficient liquidity)",
                                                    key.first.to_hex(), key.second.to_hex()));
    }
    std::lock_guard lock(m_mutex);
    m_pairs[key] = *pair;
  }
  const PairPrice fresh = fetch(key, *pair);
  {
    std::lock_guard lock(m_mutex);
    m_prices[key] = fresh;
  }
  tell(false, false, describe(fresh));
  return PriceLookup{fresh, false, false};
}

std::vector<PairPrice> PriceCache::refresh_expired() {
  std::vector<std::pair<Key, chain::Address>> due;
  {
    std::lock_guard lock(m_mutex);
    const SystemTime now = m_clock.now();
    for (const auto& [key, price] : m_prices) {
      if (now - price.fetched_at >= m_options.ttl && take_request()) due.emplace_back(key, price.pair);
    }
  }
  std::vector<PairPrice> refreshed;
  for (const auto& [key, pair] : due) {
    PairPrice fresh = fetch(key, pair);
    std::lock_guard lock(m_mutex);
    m_prices[key] = fresh;
    refreshed.push_back(std::move(fresh));
  }
  return refreshed;
}

std::size_t PriceCache::size() const {
  std::lock_guard lock(m_mutex);
  return m_prices.size();
}

std::uint64_t PriceCache::hits() const {
  std::lock_guard lock(m_mutex);
  return m_hits;
}

std::uint64_t PriceCache::misses() const {
  std::lock_guard lock(m_mutex);
  return m_misses;
}

int PriceCache::requests_in_window() const {
  std::lock_guard lock(m_mutex);
  const SystemTime now = m_clock.now();
  int n = 0;
  for (const SystemTime t : m_requests) n += now - t < m_options.window ? 1 : 0;
  return n;
}

}  // namespace bscbot::core::trade
