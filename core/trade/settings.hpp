#pragma once
// The trade engine's settings, read once from the configuration: endpoints, contracts, the
// swap defaults, and the limits of the pipeline (in-flight window, stuck and gas-bump rules,
// lease TTL, chain-down threshold).
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/chain/rpc_client.hpp"
#include "core/config/config.hpp"
#include "core/trade/pancake.hpp"
#include "core/trade/price_cache.hpp"
#include "core/util/wei.hpp"

namespace bscbot::core::trade {

struct EngineSettings {
  std::vector<std::string> rpc_urls;          // reads, quotes, receipts (BSC_RPC_URL, BSC_RPC_URLS)
  std::vector<std::string> private_rpc_urls;  // signed swaps only, when set (BSC_PRIVATE_RPC_URLS)
  chain::RpcOptions rpc;
  std::chrono::milliseconds rpc_connect_timeout{1000};
  std::uint64_t chain_id = 56;
  Contracts contracts;
  std::int64_t default_slippage_bps = 50;
  std::int64_t default_deadline_seconds = 1200;
  std::uint64_t default_gas_limit = 500000;
  bool estimate_gas = false;
  std::int64_t gas_multiplier_bps = 10000;
  std::chrono::milliseconds receipt_timeout{120000};
  std::chrono::milliseconds receipt_poll{500};
  std::chrono::milliseconds monitor_interval{2000};
  int queue_max = 1000;
  int max_in_flight = 16;                      // TRADE_MAX_IN_FLIGHT
  std::chrono::seconds stuck_after{15};        // TRADE_STUCK_AFTER_S
  std::int64_t gas_bump_pct = 12;              // GAS_BUMP_PCT
  U256 gas_price_max{"20000000000"};           // GAS_PRICE_MAX_GWEI, in wei
  std::chrono::seconds chain_down_after{60};   // CHAIN_DOWN_AFTER_S
  std::chrono::seconds lease_ttl{15};          // WALLET_LEASE_TTL_S
  PriceCacheOptions price_cache;

  // Reads the chain, trading and cache settings; throws core::Error(config).
  static EngineSettings from_config(const config::Config& cfg);
};

// The gas price of a replacement at the same nonce: `old` raised by GAS_BUMP_PCT (rounded up, so
// the pool's "at least 10 % more" always holds), or the node's current price if that is higher,
// and never above `max`. nullopt when even `max` is not a valid replacement of `old`.
std::optional<U256> bumped_gas_price(const U256& old, const U256& current, std::int64_t bump_pct, const U256& max);

}  // namespace bscbot::core::trade
