#include "core/util/clock.hpp"

#include <fmt/format.h>

#include <charconv>
#include <ctime>

#include "core/error.hpp"

namespace bscbot::core {

const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

std::tm to_utc_tm(SystemTime t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

std::string to_sql_datetime(SystemTime t) {
  const std::tm tm = to_utc_tm(t);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string to_iso8601(SystemTime t) {
  const std::tm tm = to_utc_tm(t);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms < 0 ? ms + 1000 : ms);
}

SystemTime parse_sql_datetime(const std::string& text) {
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  char sep = ' ';
  const int n = std::sscanf(text.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d", &year, &month, &day, &sep,
                            &hour, &minute, &second);
  if (n != 7 || (sep != ' ' && sep != 'T') || month < 1 || month > 12 || day < 1 || day > 31 ||
      hour > 23 || minute > 59 || second > 60) {
    throw Error(ErrorKind::data,
                fmt::format("'{}' is not a UTC time of the form YYYY-MM-DD HH:MM:SS", text));
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::chrono::seconds parse_duration(const std::string& text) {
  long long value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  const std::string unit(ptr, end);
  long long scale = 0;
  if (unit == "s") scale = 1;
  else if (unit == "m") scale = 60;
  else if (unit == "h") scale = 3600;
  else if (unit == "d") scale = 86400;
  else if (unit == "w") scale = 7 * 86400;
  if (ec != std::errc() || ptr == begin || value < 0 || scale == 0 ||
      value > (1LL << 40) / scale) {
    throw Error(ErrorKind::usage,
                fmt::format("'{}' is not a duration; use a number with s, m, h, d or w (e.g. 90d)",
                            text));
  }
  return std::chrono::seconds(value * scale);
}

std::string format_duration(std::chrono::milliseconds d) {
  const long long ms = d.count();
  if (ms < 1000) return fmt::format("{}ms", ms);
  const long long s = ms / 1000;
  if (s < 60) return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000.0);
  if (s < 3600) return fmt::format("{}m {}s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}h {}m", s / 3600, (s % 3600) / 60);
  return fmt::format("{}d {}h", s / 86400, (s % 86400) / 3600);
}

}  // namespace bscbot::core
