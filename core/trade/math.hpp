#pragma once
// The exact arithmetic of a swap: slippage and gas-price multipliers are decimal settings
// ("0.5" percent, "1.2" times) turned into basis points once, so every amount is computed in
// whole wei without floating point.
#include <cstdint>
#include <string_view>

#include "core/util/wei.hpp"

namespace bscbot::core::trade {

inline constexpr std::int64_t k_bps = 10000;  // basis points in one whole

// A slippage percentage such as "0.5" or "1" as basis points (50, 100); at most two decimals
// and at most 50 %. Throws core::Error(usage) naming the text.
std::int64_t parse_slippage_bps(std::string_view percent);

// A multiplier such as "1.2" as basis points (12000); at most four decimals, from 0.1 to 10.
// Throws core::Error(config) naming the text.
std::int64_t parse_multiplier_bps(std::string_view multiplier);

// amountOutMin = quote × (10000 − slippage_bps) / 10000, rounded down so the minimum never
// exceeds what the tolerance allows.
U256 min_amount_out(const U256& quote, std::int64_t slippage_bps);

// gas price × multiplier_bps / 10000, rounded up so a multiplier of 1.2 never pays less than
// 1.2 times the node's price.
U256 apply_multiplier(const U256& gas_price, std::int64_t multiplier_bps);

// An estimateGas answer plus a 20 % margin, for swaps whose path can cost a little more when
// mined than when simulated.
std::uint64_t gas_limit_with_margin(std::uint64_t estimate);

// gas used × price in wei.
U256 gas_fee(std::uint64_t gas_used, const U256& gas_price);

}  // namespace bscbot::core::trade
