#include "core/trade/settings.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"
#include "core/trade/math.hpp"

namespace bscbot::core::trade {

namespace {

// The BSC pool's rule for a replacement at the same nonce.
constexpr std::int64_t k_min_bump_pct = 10;

U256 gwei_to_wei(double gwei) {
  // GAS_PRICE_MAX_GWEI allows three decimals (0.001 gwei = 1 Mwei): exact in whole mwei.
  return U256(static_cast<std::uint64_t>(std::llround(gwei * 1000.0))) * U256(1000000);
}

}  // namespace

EngineSettings EngineSettings::from_config(const config::Config& cfg) {
  EngineSettings s;
  s.rpc_urls = cfg.rpc_urls();
  s.private_rpc_urls = cfg.list("BSC_PRIVATE_RPC_URLS");
  s.rpc.timeout = std::chrono::milliseconds(cfg.integer("RPC_TIMEOUT_MS"));
  s.rpc.retries = static_cast<int>(cfg.integer("RPC_RETRIES"));
  s.rpc_connect_timeout = std::chrono::milliseconds(cfg.integer("RPC_CONNECT_TIMEOUT_MS"));
  s.chain_id = static_cast<std::uint64_t>(cfg.integer("CHAIN_ID"));
  s.contracts.router = chain::Address::parse(cfg.text("ROUTER_ADDRESS"));
  s.contracts.factory = chain::Address::parse(cfg.text("FACTORY_ADDRESS"));
  s.contracts.wbnb = chain::Address::parse(cfg.text("WBNB_ADDRESS"));
  try {
    s.default_slippage_bps = parse_slippage_bps(cfg.text("DEFAULT_SLIPPAGE"));
  } catch (const Error& e) {
    throw Error(ErrorKind::config, fmt::format("DEFAULT_SLIPPAGE (from {}): {}", cfg.source("DEFAULT_SLIPPAGE").describe(), e.what()));
  }
  s.default_deadline_seconds = cfg.integer("DEFAULT_DEADLINE_SECONDS");
  s.default_gas_limit = static_cast<std::uint64_t>(cfg.integer("DEFAULT_GAS_LIMIT"));
  s.estimate_gas = cfg.boolean("ESTIMATE_GAS");
  s.gas_multiplier_bps = parse_multiplier_bps(cfg.text("GAS_PRICE_MULTIPLIER"));
  s.receipt_timeout = std::chrono::milliseconds(cfg.integer("RECEIPT_TIMEOUT_MS"));
  s.receipt_poll = std::chrono::milliseconds(cfg.integer("RECEIPT_POLL_MS"));
  s.queue_max = static_cast<int>(cfg.integer("TRADE_QUEUE_MAX"));
  s.max_in_flight = static_cast<int>(cfg.integer("TRADE_MAX_IN_FLIGHT"));
  s.stuck_after = std::chrono::seconds(cfg.integer("TRADE_STUCK_AFTER_S"));
  s.gas_bump_pct = cfg.integer("GAS_BUMP_PCT");
  s.gas_price_max = gwei_to_wei(cfg.number("GAS_PRICE_MAX_GWEI"));
  s.chain_down_after = std::chrono::seconds(cfg.integer("CHAIN_DOWN_AFTER_S"));
  s.lease_ttl = std::chrono::seconds(cfg.integer("WALLET_LEASE_TTL_S"));
  s.price_cache.ttl = std::chrono::milliseconds(cfg.integer("PRICE_CACHE_TTL_MS"));
  s.price_cache.max_requests = static_cast<int>(cfg.integer("PRICE_CACHE_MAX_REQUESTS"));
  s.price_cache.window = std::chrono::milliseconds(cfg.integer("PRICE_CACHE_WINDOW_MS"));
  // A receipt poll a few times per stuck period at least, so a stuck transaction is noticed.
  s.monitor_interval = std::min(s.monitor_interval, std::chrono::duration_cast<std::chrono::milliseconds>(s.chain_down_after) / 2);
  return s;
}

std::optional<U256> bumped_gas_price(const U256& old, const U256& current, std::int64_t bump_pct, const U256& max) {
  const auto raise = [&](std::int64_t pct) { return (old * (100 + pct) + 99) / 100; };
  const U256 needed = raise(k_min_bump_pct);
  U256 price = std::max(raise(bump_pct), current);
  if (price > max) price = max;
  if (price < needed) return std::nullopt;
  return price;
}

}  // namespace bscbot::core::trade
