// Swap arithmetic: exact slippage and gas multipliers, no floating point on amounts.
#include <doctest/doctest.h>

#include "core/error.hpp"
#include "core/trade/math.hpp"

using namespace bscbot::core;
using namespace bscbot::core::trade;

TEST_CASE("trade: slippage percent parses to basis points exactly") {
  CHECK(parse_slippage_bps("0.5") == 50);
  CHECK(parse_slippage_bps("1") == 100);
  CHECK(parse_slippage_bps("1.0") == 100);
  CHECK(parse_slippage_bps("0.01") == 1);
  CHECK(parse_slippage_bps("0") == 0);
  CHECK(parse_slippage_bps("50") == 5000);
  for (const char* bad : {"", "-1", "0.005", "50.01", "abc", "1e2", ".5", "1.", " 1"}) {
    CHECK_THROWS_AS(parse_slippage_bps(bad), Error);
  }
}

TEST_CASE("trade: gas price multiplier parses to basis points and rounds up") {
  CHECK(parse_multiplier_bps("1.0") == 10000);
  CHECK(parse_multiplier_bps("1.2") == 12000);
  CHECK(parse_multiplier_bps("1.2345") == 12345);
  CHECK_THROWS_AS(parse_multiplier_bps("0.05"), Error);
  CHECK_THROWS_AS(parse_multiplier_bps("11"), Error);
  CHECK_THROWS_AS(parse_multiplier_bps("1.23456"), Error);
  CHECK(apply_multiplier(U256(5'000'000'000ULL), 10000) == U256(5'000'000'000ULL));
  CHECK(apply_multiplier(U256(5'000'000'000ULL), 12000) == U256(6'000'000'000ULL));
  CHECK(apply_multiplier(U256(3), 12000) == U256(4));  // 3.6 rounds up: never below 1.2x
  CHECK(apply_multiplier(U256(1), 10001) == U256(2));
}

TEST_CASE("trade: amountOutMin is quote x (10000 - bps) / 10000, rounded down") {
  CHECK(min_amount_out(U256(1'000'000), 50) == U256(995'000));
  CHECK(min_amount_out(U256(999), 50) == U256(994));  // 994.005 rounds down
  CHECK(min_amount_out(U256(12345), 0) == U256(12345));
  CHECK(min_amount_out(U256(12345), 10000) == U256(0));
  // No overflow at the top of the range: the product is computed in 512 bits.
  const U256 max = ~U256(0);
  CHECK(min_amount_out(max, 0) == max);
  CHECK(min_amount_out(max, 5000) == max / 2);
  CHECK_THROWS_AS(min_amount_out(U256(1), -1), Error);
}

TEST_CASE("trade: gas limit margin and fee") {
  CHECK(gas_limit_with_margin(100000) == 120000);
  CHECK(gas_limit_with_margin(21001) == 25202);  // rounded up
  CHECK(gas_fee(135072, U256(1183065756ULL)) == U256("159799057794432"));
  CHECK_THROWS_AS(gas_fee(2, ~U256(0)), Error);
}
