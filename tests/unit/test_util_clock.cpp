// The SQL datetime text every stored time goes through, against the libc functions it replaced
// (gmtime_r + fmt, sscanf + timegm), over a spread of times and the odd inputs sscanf took.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <ctime>

#include "core/error.hpp"
#include "core/util/clock.hpp"

using namespace bscbot::core;

namespace {

std::string reference_text(std::time_t secs) {
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace

TEST_CASE("clock: SQL datetimes are written and read as gmtime_r and timegm did") {
  // From 1970 to 2200 in uneven steps, so every month, leap day and time of day comes up.
  for (std::time_t secs = 0; secs < 7258118400; secs += 86400 * 13 + 3607 * 5 + 11) {
    const std::string text = reference_text(secs);
    CAPTURE(text);
    CHECK(to_sql_datetime(std::chrono::system_clock::from_time_t(secs)) == text);
    CHECK(std::chrono::system_clock::to_time_t(parse_sql_datetime(text)) == secs);
  }
  // Before the epoch, and a time's fraction of a second dropped as before.
  CHECK(to_sql_datetime(std::chrono::system_clock::from_time_t(-1)) == "1969-12-31 23:59:59");
  CHECK(to_sql_datetime(std::chrono::system_clock::from_time_t(1) + std::chrono::milliseconds(999)) == "1970-01-01 00:00:01");
}

TEST_CASE("clock: parse_sql_datetime keeps what sscanf accepted and refuses the rest") {
  const auto secs = [](const std::string& text) { return std::chrono::system_clock::to_time_t(parse_sql_datetime(text)); };
  CHECK(secs("2026-12-02T07:45:44") == secs("2026-12-02 07:45:44"));
  CHECK(secs("2026-12-02 07:45:44.123Z") == secs("2026-12-02 07:45:44"));  // a suffix is ignored
  CHECK(secs("2026-2-3 4:5:6") == secs("2026-02-03 04:05:06"));          // short fields
  CHECK(secs("2026-02-31 00:00:00") == secs("2026-03-03 00:00:00"));     // rolls over like timegm
  CHECK(secs("2026-12-31 23:59:60") == secs("2027-01-01 00:00:00"));     // a leap second
  for (const std::string bad : {"", "2026-12-02", "2026-13-01 00:00:00", "2026-12-00 00:00:00", "2026-12-02 24:00:00",
                                "2026-12-02 07:60:00", "2026/12/02 07:45:44", "2026-12-02x07:45:44", "yesterday"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_sql_datetime(bad), Error);
  }
}
