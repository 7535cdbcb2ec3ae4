#pragma once
// Time as bscbot sees it: UTC, behind a small interface so tests can move the clock
// (rotation across tier boundaries, stalled loops) without sleeping.
#include <chrono>
#include <ctime>
#include <string>
#include <string_view>

namespace bscbot::core {

using SystemTime = std::chrono::system_clock::time_point;

class Clock {
public:
  virtual ~Clock() = default;
  virtual SystemTime now() const = 0;
};

class SystemClock final : public Clock {
public:
  SystemTime now() const override { return std::chrono::system_clock::now(); }
};

// A clock that stays where a test puts it.
class FixedClock final : public Clock {
public:
  explicit FixedClock(SystemTime t) : m_now(t) {}
  SystemTime now() const override { return m_now; }
  void set(SystemTime t) { m_now = t; }
  void advance(std::chrono::seconds d) { m_now += d; }

private:
  SystemTime m_now;
};

const Clock& system_clock();

// "YYYY-MM-DD HH:MM:SS" in UTC: SQLite's own datetime() format, so the manual's
// `created_at > datetime('now', '-1 day')` filters compare correctly as text.
std::string to_sql_datetime(SystemTime t);
// The same text in a buffer of its own, for writers that would only copy the string (the history
// route writes three per trade).
struct SqlDatetime {
  char text[32];
  std::size_t size = 0;
  std::string_view view() const { return {text, size}; }
};
SqlDatetime sql_datetime(SystemTime t);

// The broken-down UTC time of `t` (gmtime_r).
std::tm to_utc_tm(SystemTime t);

// "YYYY-MM-DDTHH:MM:SS.mmmZ" for JSON answers.
std::string to_iso8601(SystemTime t);

// Parses to_sql_datetime()'s format (and the ISO form with 'T' and optional 'Z');
// throws core::Error(data) naming the text otherwise.
SystemTime parse_sql_datetime(std::string_view text);

// Parses an age such as "90d", "12h", "30m", "45s" or "2w"; throws core::Error(usage).
std::chrono::seconds parse_duration(const std::string& text);

// "3d 4h", "12m 5s", "850ms": short human durations for reports.
std::string format_duration(std::chrono::milliseconds d);

}  // namespace bscbot::core
