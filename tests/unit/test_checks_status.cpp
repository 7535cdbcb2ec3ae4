#include <doctest/doctest.h>

#include "core/checks/status.hpp"

using namespace bscbot::core::checks;

TEST_CASE("checks: levels read like the manual's table, boundaries included") {
  const Levels response{200, 500};  // "< 200 normal, 200-500 warning, > 500 critical"
  CHECK(rising(199.9, response) == Status::ok);
  CHECK(rising(200, response) == Status::warn);
  CHECK(rising(500, response) == Status::warn);
  CHECK(rising(500.1, response) == Status::crit);
  const Levels success{95, 90};  // "> 95 normal, 90-95 warning, < 90 critical"
  CHECK(falling(95.1, success) == Status::ok);
  CHECK(falling(95, success) == Status::warn);
  CHECK(falling(90, success) == Status::warn);
  CHECK(falling(89.9, success) == Status::crit);
  CHECK(rising_text(response, "ms") == "warn >= 200 ms, crit > 500 ms");
  CHECK(falling_text(success, "%") == "warn <= 95 %, crit < 90 %");
}

TEST_CASE("checks: the overall verdict ranks CRIT over WARN over UNKNOWN over OK, exit codes 0-3") {
  CHECK(worse(Status::ok, Status::unknown) == Status::unknown);
  CHECK(worse(Status::unknown, Status::warn) == Status::warn);
  CHECK(worse(Status::crit, Status::warn) == Status::crit);
  CHECK(overall({}) == Status::ok);
  std::vector<CheckResult> results(3);
  results[0].status = Status::ok;
  results[1].status = Status::unknown;
  results[2].status = Status::ok;
  CHECK(overall(results) == Status::unknown);
  results[2].status = Status::warn;
  CHECK(overall(results) == Status::warn);
  CHECK(exit_code(Status::ok) == 0);
  CHECK(exit_code(Status::warn) == 1);
  CHECK(exit_code(Status::crit) == 2);
  CHECK(exit_code(Status::unknown) == 3);
  CHECK(to_string(Status::unknown) == "UNKNOWN");
}

TEST_CASE("checks: numbers and sizes are shown without noise") {
  CHECK(number_text(72.40) == "72.4");
  CHECK(number_text(500) == "500");
  CHECK(number_text(0.25, 2) == "0.25");
  CHECK(number_text(-0.01) == "0");
  CHECK(bytes_text(12) == "12 B");
  CHECK(bytes_text(1536) == "1.5 KB");
}
