#include "core/checks/status.hpp"

#include <fmt/format.h>

namespace bscbot::core::checks {

std::string_view to_string(Status s) {
  switch (s) {
    case Status::ok: return "OK";
    case Status::warn: return "WARN";
    case Status::crit: return "CRIT";
    case Status::unknown: return "UNKNOWN";
  }
  return "UNKNOWN";
}

int exit_code(Status s) {
  switch (s) {
    case Status::ok: return 0;
    case Status::warn: return 1;
    case Status::crit: return 2;
    case Status::unknown: return 3;
  }
  return 3;
}

namespace {

int rank(Status s) {
  switch (s) {
    case Status::ok: return 0;
    case Status::unknown: return 1;
    case Status::warn: return 2;
    case Status::crit: return 3;
  }
  return 1;
}

}  // namespace

Status worse(Status a, Status b) { return rank(a) >= rank(b) ? a : b; }

Status overall(const std::vector<CheckResult>& results) {
  Status s = Status::ok;
  for (const auto& r : results) s = worse(s, r.status);
  return s;
}

Status rising(double value, Levels levels) {
  if (value > levels.crit) return Status::crit;
  if (value >= levels.warn) return Status::warn;
  return Status::ok;
}

Status falling(double value, Levels levels) {
  if (value < levels.crit) return Status::crit;
  if (value <= levels.warn) return Status::warn;
  return Status::ok;
}

std::string number_text(double value, int max_decimals) {
  std::string s = fmt::format("{:.{}f}", value, max_decimals);
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

namespace {

std::string with_unit(double v, std::string_view unit) {
  if (unit.empty()) return number_text(v, 2);
  if (unit == "%") return number_text(v, 2) + " %";
  return fmt::format("{} {}", number_text(v, 2), unit);
}

}  // namespace

std::string rising_text(Levels levels, std::string_view unit) {
  return fmt::format("warn >= {}, crit > {}", with_unit(levels.warn, unit), with_unit(levels.crit, unit));
}

std::string falling_text(Levels levels, std::string_view unit) {
  return fmt::format("warn <= {}, crit < {}", with_unit(levels.warn, unit), with_unit(levels.crit, unit));
}

}  // namespace bscbot::core::checks
