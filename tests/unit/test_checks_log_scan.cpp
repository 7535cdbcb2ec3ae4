#include <doctest/doctest.h>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "core/checks/log_scan.hpp"
#include "core/util/clock.hpp"
#include "tests/support/scratch.hpp"

using namespace bscbot::core::checks;
using bscbot::test::Scratch;
namespace fs = std::filesystem;

TEST_CASE("checks: log lines and request lines parse as bscbotd writes them") {
  const auto l = parse_log_line("2026-11-25 19:15:31.639 [info] 127.0.0.1 GET /api/health 200 response_time 0.242ms");
  REQUIRE(l);
  CHECK(l->time == "2026-11-25 19:15:31.639");
  CHECK(l->level == "info");
  CHECK(request_status(l->message) == 200);
  CHECK(request_status("10.0.0.7 POST /api/v1/trading/swap 401 response_time 1.000ms") == 401);
  CHECK_FALSE(request_status("Database locked: SQLITE_BUSY"));
  CHECK_FALSE(request_status("a b c 4011 response_time 1ms"));
  CHECK_FALSE(parse_log_line("    at continuation of a stack trace"));
}

TEST_CASE("checks: the log scan counts errors and 401/403 answers since a time across rotated files") {
  Scratch s("log-scan");
  // Oldest first: api-server.2.log, api-server.1.log, api-server.log.
  s.write("logs/api-server.2.log",
          "2026-11-23 10:00:00.000 [error] too old to count\n");
  s.write("logs/api-server.1.log",
          "2026-11-24 23:59:59.999 [error] just before the window\n"
          "2026-11-25 00:00:00.000 [error] Database locked: first\n"
          "2026-11-25 00:00:01.000 [warning] 10.0.0.9 GET /api/v1/trading/history 401 response_time 0.5ms\n");
  s.write("logs/api-server.log",
          "2026-11-25 08:00:00.000 [info] 127.0.0.1 GET /api/health 200 response_time 0.2ms\n"
          "2026-11-25 08:00:01.000 [warning] 10.0.0.9 POST /api/v1/trading/swap 403 response_time 0.5ms\n"
          "2026-11-25 08:00:02.000 [warning] 10.0.0.8 GET /api/v1/trading/history 401 response_time 0.5ms\n"
          "2026-11-25 08:00:03.000 [critical] out of memory\n"
          "  continuation line without a time\n"
          "2026-11-25 08:00:04.000 [error] 127.0.0.1 GET /api/v1/trading/history 500 response_time 3.0ms\n");
  // Rotated files keep their order even when all were touched now (mtime skip is only an optimisation).
  const auto files = log_files(s / "logs/api-server.log");
  REQUIRE(files.size() == 3);
  CHECK(files[0].filename() == "api-server.2.log");
  CHECK(files[2].filename() == "api-server.log");

  const auto scan = scan_log(s / "logs/api-server.log", "2026-11-25 00:00:00", 2);
  CHECK(scan.error_lines == 3);
  CHECK(scan.unauthorized == 3);
  CHECK(scan.unauthorized_by_address.at("10.0.0.9") == 2);
  CHECK(scan.unauthorized_by_address.at("10.0.0.8") == 1);
  REQUIRE(scan.last_errors.size() == 2);
  CHECK(scan.last_errors[0].find("out of memory") != std::string::npos);
  CHECK(scan.last_errors[1].find(" 500 ") != std::string::npos);
  CHECK(scan.lines == 7);

  const auto none = scan_log(s / "logs/missing.log", "2026-11-25 00:00:00", 5);
  CHECK(none.files.empty());
  CHECK(none.error_lines == 0);
}

TEST_CASE("checks: a rotated file last written before the window is not read") {
  Scratch s("log-scan-mtime");
  s.write("logs/api-server.1.log", "2030-01-01 00:00:00.000 [error] a line dated later than its file\n");
  s.write("logs/api-server.log", "");
  fs::last_write_time(s / "logs/api-server.1.log", fs::file_time_type::clock::now() - std::chrono::hours(72));
  const auto since = bscbot::core::to_sql_datetime(bscbot::core::system_clock().now() - std::chrono::hours(24));
  const auto scan = scan_log(s / "logs/api-server.log", since, 5);
  CHECK(scan.error_lines == 0);
  CHECK(scan.files.size() == 1);
}

TEST_CASE("checks: the log scan reads large files in chunks without losing lines at chunk edges") {
  Scratch s("log-scan-large");
  std::string text;
  int errors = 0;
  for (int i = 0; text.size() < 3 * 1024 * 1024; ++i) {
    const bool error = i % 97 == 0;
    errors += error;
    text += fmt::format("2026-11-25 10:{:02}:{:02}.000 [{}] line {} {}\n", (i / 60) % 60, i % 60, error ? "error" : "info", i,
                        std::string(static_cast<std::size_t>(i % 150), 'x'));
  }
  s.write("logs/api-server.log", text);
  const auto scan = scan_log(s / "logs/api-server.log", "2026-11-25 00:00:00", 1);
  CHECK(scan.lines == std::count(text.begin(), text.end(), '\n'));
  CHECK(scan.error_lines == errors);
}
