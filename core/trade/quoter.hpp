#pragma once
// Quoting: the path through the PancakeSwap V2 router (direct or through WBNB), getAmountsOut,
// amountOutMin from the slippage and any floor the client agreed to, the gas price with
// GAS_PRICE_MULTIPLIER, the mid price from cached reserves, and with a dry run what the wallet
// holds for it. Reads only; safe to call from many threads.
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/chain/eth.hpp"
#include "core/trade/order.hpp"
#include "core/trade/pancake.hpp"
#include "core/trade/price_cache.hpp"
#include "core/trade/settings.hpp"

namespace bscbot::core::trade {

// A quote, and with a dry run, what the wallet holds for it.
struct Quote {
  Token from;
  Token to;
  std::vector<chain::Address> path;
  U256 amount_in;
  U256 amount_out;
  U256 amount_out_min;
  unsigned decimals_in = 18;
  unsigned decimals_out = 18;
  std::int64_t slippage_bps = 0;
  std::int64_t deadline_seconds = 0;
  U256 node_gas_price;
  U256 gas_price;
  std::uint64_t gas_limit = 0;
  bool gas_estimated = false;
  std::optional<double> mid_price;         // `to` per `from`, in token units, from cached reserves
  std::optional<double> price_impact_pct;  // including the pool fee
  bool prices_stale = false;
  std::string price_note;                  // why mid price is missing or stale
  std::optional<chain::Address> wallet;
  std::optional<U256> balance_in;          // dry run: what the wallet holds of `from`
  std::optional<U256> bnb_balance;
  std::optional<bool> needs_approval;
  std::vector<std::string> problems;       // dry run: what would make the swap fail
};

nlohmann::json to_json(const Quote& quote);

// What the router offers for an order right now.
struct Plan {
  std::vector<chain::Address> path;
  U256 amount_out;
  U256 amount_out_min;
};

// "0xa,0xb": a path as the trade row keeps it.
std::string join_path(const std::vector<chain::Address>& path);

// What the market endpoints say of a token: its symbol (none when it has no symbol()) and
// decimals, read from the chain once and kept.
struct TokenInfo {
  chain::Address address;
  std::optional<std::string> symbol;
  unsigned decimals = 18;
};

class Quoter {
public:
  Quoter(const EngineSettings& settings, chain::Eth& eth, PriceCache& prices, std::function<void(const PairPrice&)> on_price = {});

  // A token's decimals (18 for BNB), read once and kept.
  unsigned decimals_of(const Token& token);

  // The token's symbol and decimals, read once and kept.
  TokenInfo token_info(const chain::Address& token);

  // Checks a request (reading decimals when the amount is in units).
  SwapOrder validate(const SwapRequest& request);

  // The path and amounts for `order`. Throws TradeFailure (insufficient liquidity, slippage
  // when the router quotes below the client's floor); RPC failures pass through.
  Plan plan(const SwapOrder& order) const;

  // The node's gas price, and what a swap pays with GAS_PRICE_MULTIPLIER.
  std::pair<U256, U256> gas_price() const;

  // A full quote; with `wallet`, also what it holds (balance, allowance) and what would fail.
  Quote quote(const SwapOrder& order, const std::optional<chain::Address>& wallet);

  Pancake& pancake() { return m_pancake; }
  chain::Eth& eth() { return m_eth; }

private:
  std::vector<chain::Address> choose_path(const Token& from, const Token& to) const;

  const EngineSettings& m_settings;
  chain::Eth& m_eth;
  Pancake m_pancake;
  PriceCache& m_prices;
  std::function<void(const PairPrice&)> m_on_price;
  std::mutex m_mutex;
  std::map<std::string, unsigned> m_decimals;
  std::map<std::string, std::optional<std::string>> m_symbols;
};

}  // namespace bscbot::core::trade
