#include "core/trade/math.hpp"

#include <fmt/format.h>

#include <boost/multiprecision/cpp_int.hpp>

#include "core/error.hpp"

namespace bscbot::core::trade {

namespace {

using Wide = boost::multiprecision::uint512_t;

// "12.34" with at most `decimals` places as an integer scaled by 10^decimals; nullopt otherwise.
std::optional<std::int64_t> parse_scaled(std::string_view text, unsigned decimals) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() || (dot != std::string_view::npos && frac.empty()) || frac.size() > decimals) return std::nullopt;
  std::int64_t value = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
    if (value > 1'000'000'000) return std::nullopt;
  }
  for (unsigned i = 0; i < decimals; ++i) {
    const char c = i < frac.size() ? frac[i] : '0';
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

U256 narrow(const Wide& value) {
  if (value > Wide(~U256(0))) throw Error(ErrorKind::data, "amount does not fit 256 bits");
  return U256(value);
}

}  // namespace

std::int64_t parse_slippage_bps(std::string_view percent) {
  const auto bps = parse_scaled(percent, 2);
  if (!bps || *bps > 5000) {
    throw Error(ErrorKind::usage, fmt::format("slippage '{}' is not a percentage from 0 to 50 with at most two decimals (e.g. 0.5)", percent));
  }
  return *bps;
}

std::int64_t parse_multiplier_bps(std::string_view multiplier) {
  const auto bps = parse_scaled(multiplier, 4);
  if (!bps || *bps < 1000 || *bps > 100000) {
    throw Error(ErrorKind::config,
                fmt::format("GAS_PRICE_MULTIPLIER '{}' is not a number from 0.1 to 10 with at most four decimals", multiplier));
  }
  return *bps;
}

U256 min_amount_out(const U256& quote, std::int64_t slippage_bps) {
  if (slippage_bps < 0 || slippage_bps > k_bps) throw Error(ErrorKind::internal, "slippage outside 0..10000 bps");
  return narrow(Wide(quote) * static_cast<unsigned>(k_bps - slippage_bps) / static_cast<unsigned>(k_bps));
}

U256 apply_multiplier(const U256& gas_price, std::int64_t multiplier_bps) {
  if (multiplier_bps <= 0) throw Error(ErrorKind::internal, "non-positive gas price multiplier");
  return narrow((Wide(gas_price) * static_cast<unsigned>(multiplier_bps) + (k_bps - 1)) / static_cast<unsigned>(k_bps));
}

std::uint64_t gas_limit_with_margin(std::uint64_t estimate) {
  if (estimate > (std::uint64_t{1} << 60)) throw Error(ErrorKind::data, "gas estimate is implausibly large");
  return estimate + (estimate + 4) / 5;
}

U256 gas_fee(std::uint64_t gas_used, const U256& gas_price) { return narrow(Wide(gas_price) * gas_used); }

}  // namespace bscbot::core::trade
