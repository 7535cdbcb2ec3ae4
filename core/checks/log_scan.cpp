#include "core/checks/log_scan.hpp"

#include <algorithm>
#include <charconv>
#include <deque>
#include <fstream>

#include "core/util/clock.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::checks {

std::optional<LogLine> parse_log_line(std::string_view line) {
  // "YYYY-MM-DD HH:MM:SS.mmm [level] message"
  if (line.size() < 26 || line[4] != '-' || line[7] != '-' || line[10] != ' ' || line[13] != ':' || line[16] != ':') {
    return std::nullopt;
  }
  const auto open = line.find(" [", 19);
  if (open == std::string_view::npos || open > 27) return std::nullopt;
  const auto close = line.find("] ", open);
  if (close == std::string_view::npos) {
    if (line.back() != ']') return std::nullopt;
    return LogLine{line.substr(0, open), line.substr(open + 2, line.size() - open - 3), {}};
  }
  return LogLine{line.substr(0, open), line.substr(open + 2, close - open - 2), line.substr(close + 2)};
}

std::optional<int> request_status(std::string_view message) {
  // address method target status "response_time" duration
  std::string_view fields[6];
  std::size_t n = 0, pos = 0;
  while (n < 6 && pos < message.size()) {
    const auto space = message.find(' ', pos);
    fields[n++] = message.substr(pos, space == std::string_view::npos ? std::string_view::npos : space - pos);
    if (space == std::string_view::npos) break;
    pos = space + 1;
  }
  if (n < 5 || fields[4] != "response_time" || fields[3].size() != 3) return std::nullopt;
  int status = 0;
  const auto [ptr, ec] = std::from_chars(fields[3].data(), fields[3].data() + 3, status);
  if (ec != std::errc() || ptr != fields[3].data() + 3) return std::nullopt;
  return status;
}

std::vector<fs::path> log_files(const fs::path& log_file) {
  // spdlog's rotating sink names the N-th older file "<stem>.<N><ext>".
  std::vector<fs::path> rotated;
  std::error_code ec;
  const fs::path dir = log_file.parent_path().empty() ? fs::path(".") : log_file.parent_path();
  const std::string stem = log_file.stem().string(), ext = log_file.extension().string();
  for (int i = 1; i < 10000; ++i) {
    const fs::path p = dir / (stem + "." + std::to_string(i) + ext);
    if (!fs::exists(p, ec)) break;
    rotated.push_back(p);
  }
  std::reverse(rotated.begin(), rotated.end());
  if (fs::exists(log_file, ec)) rotated.push_back(log_file);
  return rotated;
}

namespace {

// Calls `on_line` for every line of `file`, reading 1 MiB at a time, so a log of any size
// (LOG_MAX_SIZE_MB allows gigabytes) never sits in memory whole.
template <typename F>
void for_each_line(const fs::path& file, F&& on_line) {
  std::ifstream in(file, std::ios::binary);
  std::string buffer(1 << 20, '\0');
  std::string carry;
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got == 0) break;
    std::size_t start = 0;
    for (;;) {
      const auto end = std::string_view(buffer.data(), got).find('\n', start);
      if (end == std::string_view::npos) break;
      if (carry.empty()) {
        on_line(std::string_view(buffer.data() + start, end - start));
      } else {
        carry.append(buffer.data() + start, end - start);
        on_line(std::string_view(carry));
        carry.clear();
      }
      start = end + 1;
    }
    carry.append(buffer.data() + start, got - start);
  }
  if (!carry.empty()) on_line(std::string_view(carry));
}

bool is_error_level(std::string_view level) { return level == "error" || level == "critical" || level == "err"; }

std::string_view address_of(std::string_view message) { return message.substr(0, message.find(' ')); }

}  // namespace

LogScan scan_log(const fs::path& log_file, const std::string& since, std::size_t keep_errors) {
  LogScan scan;
  std::optional<SystemTime> since_time;
  try {
    since_time = parse_sql_datetime(since);
  } catch (const std::exception&) {
  }
  std::deque<std::string> errors;
  for (const fs::path& file : log_files(log_file)) {
    std::error_code ec;
    const auto mtime = fs::last_write_time(file, ec);
    // A rotated file last written before the start time holds nothing newer.
    if (!ec && since_time && std::chrono::file_clock::to_sys(mtime) < *since_time) continue;
    scan.files.push_back(file);
    for_each_line(file, [&](std::string_view line) {
      const auto parsed = parse_log_line(line);
      if (!parsed || parsed->time < since) return;
      ++scan.lines;
      if (is_error_level(parsed->level)) {
        ++scan.error_lines;
        if (keep_errors > 0) {
          errors.emplace_back(line);
          if (errors.size() > keep_errors) errors.pop_front();
        }
      }
      if (const auto status = request_status(parsed->message); status && (*status == 401 || *status == 403)) {
        ++scan.unauthorized;
        ++scan.unauthorized_by_address[std::string(address_of(parsed->message))];
      }
    });
  }
  scan.last_errors.assign(errors.begin(), errors.end());
  return scan;
}

}  // namespace bscbot::core::checks
