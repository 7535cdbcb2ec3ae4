#include "core/util/clock.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <optional>
#include <string_view>

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

namespace {

// "YYYY-MM-DD HH:MM:SS" for a year of four digits, by hand: the history route writes three of
// these per trade, and gmtime_r + fmt cost more than the rest of the row.
bool fast_sql_datetime(SystemTime t, char* out) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t);
  const auto day = floor<days>(secs);
  const year_month_day ymd{day};
  const int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) return false;
  const auto in_day = static_cast<unsigned>((secs - day).count());
  const auto two = [&](std::size_t at, unsigned v) {
    out[at] = static_cast<char>('0' + v / 10);
    out[at + 1] = static_cast<char>('0' + v % 10);
  };
  two(0, static_cast<unsigned>(year) / 100);
  two(2, static_cast<unsigned>(year) % 100);
  out[4] = '-';
  two(5, static_cast<unsigned>(ymd.month()));
  out[7] = '-';
  two(8, static_cast<unsigned>(ymd.day()));
  out[10] = ' ';
  two(11, in_day / 3600);
  out[13] = ':';
  two(14, in_day / 60 % 60);
  out[16] = ':';
  two(17, in_day % 60);
  return true;
}

// Digits at text[at], text[at + 1], ... (`n` of them), or -1.
int digits(std::string_view text, std::size_t at, std::size_t n) {
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

}  // namespace

SqlDatetime sql_datetime(SystemTime t) {
  SqlDatetime d;
  if (fast_sql_datetime(t, d.text)) {
    d.size = 19;
    return d;
  }
  const std::tm tm = to_utc_tm(t);
  const auto r = fmt::format_to_n(d.text, sizeof d.text, "{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  d.size = std::min(r.size, sizeof d.text);
  return d;
}

std::string to_sql_datetime(SystemTime t) { return std::string(sql_datetime(t).view()); }

std::string to_iso8601(SystemTime t) {
  const std::tm tm = to_utc_tm(t);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms < 0 ? ms + 1000 : ms);
}

SystemTime parse_sql_datetime(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  char sep = ' ';
  int n = 0;
  // The shape every stored time has, read by hand (sscanf was a tenth of the history route);
  // anything else goes through sscanf, which also takes short fields and leading spaces.
  if (text.size() >= 19 && text[4] == '-' && text[7] == '-' && text[13] == ':' && text[16] == ':' &&
      (year = digits(text, 0, 4)) >= 0 && (month = digits(text, 5, 2)) >= 0 && (day = digits(text, 8, 2)) >= 0 &&
      (hour = digits(text, 11, 2)) >= 0 && (minute = digits(text, 14, 2)) >= 0 && (second = digits(text, 17, 2)) >= 0) {
    sep = text[10];
    n = 7;
  } else {
    n = std::sscanf(std::string(text).c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d", &year, &month, &day, &sep, &hour, &minute, &second);
  }
  if (n != 7 || (sep != ' ' && sep != 'T') || month < 1 || month > 12 || day < 1 || day > 31 ||
      hour > 23 || minute > 59 || second > 60 || hour < 0 || minute < 0 || second < 0) {
    throw Error(ErrorKind::data,
                fmt::format("'{}' is not a UTC time of the form YYYY-MM-DD HH:MM:SS", text));
  }
  // timegm's arithmetic without its cost: a day past the month's end rolls over, as it did.
  using namespace std::chrono;
  const sys_days date = sys_days(year_month_day(std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)), std::chrono::day(1))) +
                        days(day - 1);
  return SystemTime(date + hours(hour) + minutes(minute) + seconds(second));
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
