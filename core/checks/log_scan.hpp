#pragma once
// Reading the daemon's log the way the manual greps it (`grep -i error | wc -l`,
// `grep "401\|403" | wc -l`, `tail -100 ... | grep ERROR`), but by time instead of by line
// count, and across the rotated files (api-server.1.log, api-server.2.log, ...).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bscbot::core::checks {

// One line as bscbotd writes it: "2026-11-25 19:15:31.639 [info] 127.0.0.1 GET /api/health
// 200 response_time 0.242ms".
struct LogLine {
  std::string_view time;     // "2026-11-25 19:15:31.639", UTC
  std::string_view level;    // "info", "warning", "error", ...
  std::string_view message;
};
std::optional<LogLine> parse_log_line(std::string_view line);

// The HTTP status of a request line's message ("127.0.0.1 GET /x 401 response_time 1.2ms").
std::optional<int> request_status(std::string_view message);

// The log and its rotated files that exist, oldest first.
std::vector<std::filesystem::path> log_files(const std::filesystem::path& log_file);

struct LogScan {
  std::vector<std::filesystem::path> files;                   // files read, oldest first
  std::int64_t lines = 0;                                      // lines since the start time
  std::int64_t error_lines = 0;                                // level error or critical
  std::int64_t unauthorized = 0;                               // requests answered 401 or 403
  std::map<std::string, std::int64_t> unauthorized_by_address;
  std::vector<std::string> last_errors;                        // newest last
};

// Scans the lines logged at or after `since` (SQL datetime text, UTC), keeping the newest
// `keep_errors` error lines. A missing log gives an empty scan with no files.
LogScan scan_log(const std::filesystem::path& log_file, const std::string& since, std::size_t keep_errors);

}  // namespace bscbot::core::checks
