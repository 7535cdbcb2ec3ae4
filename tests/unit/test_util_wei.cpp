#include <doctest/doctest.h>

#include "core/error.hpp"
#include "core/util/clock.hpp"
#include "core/util/wei.hpp"

using namespace bscbot::core;

TEST_CASE("util: wei parsing is exact up to 2^256-1") {
  const std::string max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
  REQUIRE(parse_wei(max));
  CHECK(to_decimal(*parse_wei(max)) == max);
  CHECK_FALSE(parse_wei("115792089237316195423570985008687907853269984665640564039457584007913129639936"));
  CHECK_FALSE(parse_wei(""));
  CHECK_FALSE(parse_wei("1e18"));
  CHECK_FALSE(parse_wei("-1"));
  CHECK(to_decimal(*parse_wei("007")) == "7");
}

TEST_CASE("util: token units") {
  CHECK(to_decimal(*parse_units("1.5", 18)) == "1500000000000000000");
  CHECK(to_decimal(*parse_units("0.000000000000000001", 18)) == "1");
  CHECK(to_decimal(*parse_units("2", 0)) == "2");
  CHECK_FALSE(parse_units("0.0000000000000000001", 18));
  CHECK_FALSE(parse_units("1,5", 18));
  CHECK_FALSE(parse_units(".", 18));
  CHECK(format_units(U256("1500000000000000000"), 18) == "1.5");
  CHECK(format_units(U256("1"), 18) == "0.000000000000000001");
  CHECK(format_units(U256("0"), 18) == "0");
}

TEST_CASE("util: times and durations") {
  const auto t = parse_sql_datetime("2024-12-04 02:00:00");
  CHECK(to_sql_datetime(t) == "2024-12-04 02:00:00");
  CHECK(to_iso8601(t) == "2024-12-04T02:00:00.000Z");
  CHECK(to_sql_datetime(parse_sql_datetime("2024-12-04T02:00:00Z")) == "2024-12-04 02:00:00");
  CHECK_THROWS_AS(parse_sql_datetime("yesterday"), Error);
  CHECK(parse_duration("90d") == std::chrono::hours(24 * 90));
  CHECK(parse_duration("36h") == std::chrono::hours(36));
  CHECK(parse_duration("2w") == std::chrono::hours(24 * 14));
  CHECK_THROWS_AS(parse_duration("90"), Error);
  CHECK_THROWS_AS(parse_duration("d"), Error);
  CHECK_THROWS_AS(parse_duration("-5d"), Error);
  CHECK(format_duration(std::chrono::milliseconds(850)) == "850ms");
  CHECK(format_duration(std::chrono::milliseconds(125000)) == "2m 5s");
}
