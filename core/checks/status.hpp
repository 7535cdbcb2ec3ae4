#pragma once
// The verdict of one check as monitoring plugins report it (OK, WARN, CRIT, UNKNOWN), with the
// value seen, the threshold it was held against and a line of detail, so a tired human, cron,
// Nagios and CI all read the same answer.
#include <optional>
#include <string>

#include "core/util/units.hpp"
#include <string_view>
#include <utility>
#include <vector>

namespace bscbot::core::checks {

enum class Status { ok, warn, crit, unknown };

// "OK", "WARN", "CRIT", "UNKNOWN".
std::string_view to_string(Status s);

// The monitoring-plugin exit code: 0 OK, 1 WARN, 2 CRIT, 3 UNKNOWN.
int exit_code(Status s);

// The more severe verdict, ranked CRIT > WARN > UNKNOWN > OK: a check that could not run is
// never hidden behind an OK, but does not mask a real warning.
Status worse(Status a, Status b);

struct CheckResult {
  std::string name;               // stable identifier, e.g. "disk_data"
  std::string group;              // "daemon", "database", "system", "trading"
  Status status = Status::unknown;
  std::string value;              // as shown, e.g. "72.4 %"
  std::string threshold;          // e.g. "warn >= 70 %, crit > 90 %"
  std::string detail;             // what was measured and how, or why it could not be
  std::optional<double> number;   // the value as a number, for machines
  // Further measured figures for machines (disk_io's r/s, w/s, await), in order; empty for most.
  std::vector<std::pair<std::string, std::optional<double>>> figures{};
};

// The worst verdict of `results`; OK when empty.
Status overall(const std::vector<CheckResult>& results);

// A warn/crit pair from the settings table.
struct Levels {
  double warn = 0;
  double crit = 0;
};

// Where more is worse (response time, memory): OK below warn, WARN from warn up to and
// including crit, CRIT above crit. This is how the manual's table reads: "< 200 ms normal,
// 200-500 ms warning, > 500 ms critical".
Status rising(double value, Levels levels);
std::string rising_text(Levels levels, std::string_view unit);

// Where less is worse (success rate, cache hit rate): OK above warn, WARN from crit up to and
// including warn, CRIT below crit ("> 95 % normal, 90-95 % warning, < 90 % critical").
Status falling(double value, Levels levels);
std::string falling_text(Levels levels, std::string_view unit);

// A number without trailing zeros: 72.4, 500, 0.25.
std::string number_text(double value, int max_decimals = 1);

using core::bytes_text;  // core/util/units.hpp

}  // namespace bscbot::core::checks
