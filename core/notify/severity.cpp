#include "core/notify/severity.hpp"

#include <cctype>
#include <string>

namespace bscbot::core::notify {

std::optional<Severity> parse_severity(std::string_view text) {
  std::string t;
  for (const char c : text) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "s1" || t == "critical" || t == "crit") return Severity::critical;
  if (t == "s2" || t == "high" || t == "warning" || t == "warn") return Severity::high;
  if (t == "s3" || t == "medium") return Severity::medium;
  if (t == "s4" || t == "low") return Severity::low;
  if (t == "info") return Severity::info;
  return std::nullopt;
}

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::critical: return "critical";
    case Severity::high: return "high";
    case Severity::medium: return "medium";
    case Severity::low: return "low";
    case Severity::info: return "info";
  }
  return "high";
}

std::string_view label(Severity s) {
  switch (s) {
    case Severity::critical: return "S1 CRITICAL";
    case Severity::high: return "S2 HIGH";
    case Severity::medium: return "S3 MEDIUM";
    case Severity::low: return "S4 LOW";
    case Severity::info: return "INFO";
  }
  return "S2 HIGH";
}

std::string_view response_time(Severity s) {
  switch (s) {
    case Severity::critical: return "respond within 15 minutes";
    case Severity::high: return "respond within 1 hour";
    case Severity::medium: return "respond within 4 hours";
    case Severity::low:
    case Severity::info: return "respond within 24 hours";
  }
  return "respond within 1 hour";
}

std::string_view route_setting(Severity s) {
  switch (s) {
    case Severity::critical: return "NOTIFY_ROUTE_CRITICAL";
    case Severity::high: return "NOTIFY_ROUTE_HIGH";
    case Severity::medium: return "NOTIFY_ROUTE_MEDIUM";
    case Severity::low: return "NOTIFY_ROUTE_LOW";
    case Severity::info: return "NOTIFY_ROUTE_INFO";
  }
  return "NOTIFY_ROUTE_HIGH";
}

}  // namespace bscbot::core::notify
