#pragma once
// How urgent a notification is, on one scale for every source: the manual's incident levels
// (S1-S4), Prometheus's severity labels (critical, warning, info) and the health verdicts
// (CRIT, WARN). The level decides the route (NOTIFY_ROUTE_*) and the response time.
#include <optional>
#include <string_view>

namespace bscbot::core::notify {

// Most severe first.
enum class Severity { critical, high, medium, low, info };

// "S1".."S4", "critical", "high", "warning" (Prometheus; = high, the manual's 1-hour warning
// alerts), "medium", "low", "info", "CRIT", "WARN" (health), case-insensitive; nullopt otherwise.
std::optional<Severity> parse_severity(std::string_view text);

// "critical", "high", "medium", "low", "info".
std::string_view to_string(Severity s);

// "S1 CRITICAL", "S2 HIGH", "S3 MEDIUM", "S4 LOW", "INFO": how messages are headed.
std::string_view label(Severity s);

// The manual's response time: "respond within 15 minutes", ...
std::string_view response_time(Severity s);

// The setting holding the contacts of `s`, e.g. NOTIFY_ROUTE_CRITICAL.
std::string_view route_setting(Severity s);

// True when `a` is more urgent than `b`.
inline bool more_severe(Severity a, Severity b) { return static_cast<int>(a) < static_cast<int>(b); }

// Whether an unacknowledged alert of this level is escalated (critical and high: the levels that
// page a person).
inline bool escalates(Severity s) { return s == Severity::critical || s == Severity::high; }

}  // namespace bscbot::core::notify
