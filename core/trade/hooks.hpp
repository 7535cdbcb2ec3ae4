#pragma once
// How the trade engine tells its host (bscbotd) what happens: log lines, trade and price
// events, queue length, quote-to-send latency, and every JSON-RPC attempt for the metrics.
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "core/chain/rpc_client.hpp"
#include "core/db/trade.hpp"
#include "core/trade/price_cache.hpp"

namespace bscbot::core::trade {

enum class LogLevel { debug, info, warn, error };

using LogFn = std::function<void(LogLevel, const std::string&)>;

struct EngineHooks {
  LogFn log;
  std::function<void(const db::Trade&)> on_trade;           // every status change
  std::function<void(const PairPrice&)> on_price;           // fresh reserves
  PriceCache::OnLookup on_price_lookup;                     // HIT / MISS
  std::function<void(int)> on_queue_length;
  std::function<void(std::chrono::microseconds)> on_sent;   // quote-to-send latency
  // Every JSON-RPC attempt; `role` is "public" (reads, receipts, public sends) or "private"
  // (BSC_PRIVATE_RPC_URLS).
  std::function<void(std::string_view role, const chain::RpcAttempt&)> on_rpc;
};

}  // namespace bscbot::core::trade
