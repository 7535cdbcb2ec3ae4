#include "core/notify/sources.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "core/diagnose/problems.hpp"
#include "core/error.hpp"

namespace bscbot::core::notify {

namespace {

// The next command for a check no diagnosis covers.
std::string next_for_check(const std::string& check) {
  if (const auto p = diagnose::problem_for_check(check)) return fmt::format("bscbot diagnose {}", diagnose::to_string(*p));
  if (check == "disk_data" || check == "disk_logs") return "bscbot db stats; bscbot logs archive; bscbot backup prune --dry-run";
  if (check == "log_errors") return "bscbot logs errors";
  if (check == "disk_io") return "iostat -x 1 3 (who else keeps the disk busy); bscbot diagnose slow-queries";
  if (check == "trades_24h") return "bscbot trade stats";
  return "bscbot health";
}

}  // namespace

std::vector<Event> health_events(const checks::HealthReport& report, const std::string& source) {
  std::vector<Event> events;
  for (const auto& c : report.checks) {
    if (c.status == checks::Status::unknown) continue;
    Event e;
    e.key = "health." + c.name;
    e.source = source;
    e.next = next_for_check(c.name);
    if (c.status == checks::Status::ok) {
      e.state = EventState::resolved;
      e.what = fmt::format("{} is OK again: {}", c.name, c.value);
    } else {
      e.severity = c.status == checks::Status::crit ? Severity::critical : Severity::high;
      e.what = fmt::format("{} {}: {}", c.name, checks::to_string(c.status), c.value);
    }
    if (!c.threshold.empty()) e.evidence.push_back("threshold: " + c.threshold);
    if (!c.detail.empty()) e.evidence.push_back(c.detail);
    e.evidence.push_back(fmt::format("health check run at {}", report.generated_at));
    events.push_back(std::move(e));
  }
  return events;
}

SystemTime parse_rfc3339(const std::string& text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute, &second, &consumed) != 6) {
    throw Error(ErrorKind::data, fmt::format("'{}' is not an RFC 3339 time", text));
  }
  SystemTime t = parse_sql_datetime(fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", year, month, day, hour, minute, second));
  std::size_t i = static_cast<std::size_t>(consumed);
  if (i < text.size() && text[i] == '.') {
    std::string frac;
    for (++i; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) frac += text[i];
    frac = (frac + "000").substr(0, 3);
    t += std::chrono::milliseconds(std::stoi(frac));
  }
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(text.c_str() + i + 1, "%2d:%2d", &oh, &om) != 2) throw Error(ErrorKind::data, fmt::format("'{}' has a bad UTC offset", text));
    const auto offset = std::chrono::hours(oh) + std::chrono::minutes(om);
    t = text[i] == '+' ? t - offset : t + offset;
  } else if (i >= text.size() || (text[i] != 'Z' && text[i] != 'z')) {
    throw Error(ErrorKind::data, fmt::format("'{}' has no time zone (Z or an offset)", text));
  }
  return t;
}

namespace {

std::string string_field(const nlohmann::json& object, const char* name) {
  if (!object.is_object() || !object.contains(name) || !object[name].is_string()) return {};
  return object[name].get<std::string>();
}

}  // namespace

AlertmanagerBatch parse_alertmanager(const nlohmann::json& payload) {
  if (!payload.is_object() || !payload.contains("alerts") || !payload["alerts"].is_array()) {
    throw Error(ErrorKind::data, "not an Alertmanager webhook payload: no \"alerts\" array");
  }
  AlertmanagerBatch batch;
  batch.receiver = string_field(payload, "receiver");
  batch.group_key = string_field(payload, "groupKey");
  const std::string external = string_field(payload, "externalURL");
  for (const auto& a : payload["alerts"]) {
    const nlohmann::json labels = a.is_object() && a.contains("labels") && a["labels"].is_object() ? a["labels"] : nlohmann::json::object();
    const nlohmann::json notes =
        a.is_object() && a.contains("annotations") && a["annotations"].is_object() ? a["annotations"] : nlohmann::json::object();
    const std::string name = string_field(labels, "alertname");
    if (name.empty()) throw Error(ErrorKind::data, "an alert in the payload has no alertname label");
    const std::string status = string_field(a, "status");
    if (status != "firing" && status != "resolved") {
      throw Error(ErrorKind::data, fmt::format("alert {} has status '{}'; expected firing or resolved", name, status));
    }
    Event e;
    e.state = status == "firing" ? EventState::firing : EventState::resolved;
    e.severity = parse_severity(string_field(labels, "severity")).value_or(Severity::high);
    // One problem per label set: DiskSpaceWarning of the data and of the log folder are two.
    e.key = "prometheus." + name;
    std::vector<std::string> shown;
    for (const auto& [k, v] : labels.items()) {
      if (!v.is_string()) continue;
      shown.push_back(fmt::format("{}={}", k, v.get<std::string>()));
      if (k == "alertname" || k == "severity" || k == "job") continue;
      e.key += "." + v.get<std::string>();
    }
    const std::string summary = string_field(notes, "summary");
    const std::string description = string_field(notes, "description");
    e.what = fmt::format("{}: {}", name, !summary.empty() ? summary : !description.empty() ? description : std::string("firing"));
    if (e.state == EventState::resolved) e.what = fmt::format("{} resolved: {}", name, !summary.empty() ? summary : description);
    if (!description.empty() && !summary.empty()) e.evidence.push_back(description);
    e.evidence.push_back(fmt::format("labels: {}", fmt::join(shown, ", ")));
    if (const std::string url = string_field(a, "generatorURL"); !url.empty()) e.evidence.push_back("Prometheus: " + url);
    if (!external.empty()) e.evidence.push_back("Alertmanager: " + external);
    e.next = string_field(notes, "action");
    if (e.next.empty()) e.next = string_field(notes, "runbook_url");
    if (e.next.empty()) e.next = "bscbot diagnose";
    if (const std::string starts = string_field(a, "startsAt"); !starts.empty()) e.since = parse_rfc3339(starts);
    e.source = batch.receiver.empty() ? "Prometheus via Alertmanager" : fmt::format("Prometheus via Alertmanager (receiver {})", batch.receiver);
    batch.events.push_back(std::move(e));
  }
  return batch;
}

Event command_event(const CommandOutcome& outcome, const std::string& source) {
  Event e;
  e.key = outcome.key;
  e.severity = outcome.severity;
  e.state = outcome.failed ? EventState::firing : EventState::resolved;
  e.what = outcome.what;
  e.evidence = outcome.evidence;
  e.next = outcome.next;
  e.source = source;
  return e;
}

}  // namespace bscbot::core::notify
