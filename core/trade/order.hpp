#pragma once
// What a client asks for and what the engine accepts: a swap request is checked once, into an
// order with exact amounts, the slippage, the deadline and the wallet; a queued trade row (which
// any daemon may have written) turns back into the same order for the wallet's sender.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/chain/address.hpp"
#include "core/db/trade.hpp"
#include "core/trade/settings.hpp"
#include "core/util/wei.hpp"

namespace bscbot::core::trade {

// A side of a swap: BNB itself (routed through WBNB) or an ERC-20 token.
struct Token {
  bool native = false;
  chain::Address address;  // the token, or WBNB for BNB
};

// Parses "BNB" (any case), "WBNB" or a 0x address; the WBNB address counts as BNB, so a swap
// to or from it pays out or takes native BNB. Throws core::Error(usage).
Token parse_token(std::string_view text, const chain::Address& wbnb);

// "BNB" or the lower-case address.
std::string token_label(const Token& token);

// Parses a wallet address by the one address rule; throws core::Error(usage) naming `what`.
chain::Address parse_wallet(std::string_view text, std::string_view what = "wallet");

// What a client asks for. Exactly one of `amount` (token units, e.g. "0.5") and `amount_wei`.
struct SwapRequest {
  std::string from;
  std::string to;
  std::optional<std::string> amount;
  std::optional<std::string> amount_wei;
  std::optional<std::int64_t> slippage_bps;
  std::optional<std::int64_t> deadline_seconds;
  std::optional<std::string> amount_out_min;  // a floor the client agreed to (wei)
  std::optional<std::string> wallet;          // which of the daemon's wallets sends it
};

// A checked swap.
struct SwapOrder {
  std::int64_t id = 0;  // the trade row, once recorded
  Token from;
  Token to;
  U256 amount_in;
  std::int64_t slippage_bps = 0;
  std::int64_t deadline_seconds = 0;
  std::optional<U256> amount_out_min;
  std::optional<chain::Address> wallet;
};

// Checks `request` against the settings; `decimals` gives a token's decimals (an RPC read) when
// the amount is in token units. Throws core::Error(usage) naming what is wrong.
SwapOrder validate(const SwapRequest& request, const EngineSettings& settings, const std::function<unsigned(const Token&)>& decimals);

// The order a queued trade row stands for; throws core::Error(data) for a row no sender can use.
SwapOrder order_from_trade(const db::Trade& trade, const EngineSettings& settings);

}  // namespace bscbot::core::trade
