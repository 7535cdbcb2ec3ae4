#pragma once
// The sources of notifications, each turned into Events in one place:
//  - a health run (bscbotd evaluates the same checks as `bscbot health` on a timer): a check
//    at WARN or CRIT fires, one back at OK resolves, UNKNOWN changes nothing;
//  - an Alertmanager webhook payload (POST /api/v1/alerts), so Prometheus's alerts take the
//    same routes, deduplication and delivery log;
//  - the outcome of an operator command that must not fail in silence (backup, backup verify,
//    drill, playbook run, audit --production): a failure fires, the next success resolves;
//  - bscbotd starting after an unclean stop.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/checks/health.hpp"
#include "core/notify/message.hpp"

namespace bscbot::core::notify {

// Events of `report`: key "health.<check>", CRIT critical, WARN high; the next command is the
// `bscbot diagnose` problem the check points to.
std::vector<Event> health_events(const checks::HealthReport& report, const std::string& source);

struct AlertmanagerBatch {
  std::string receiver;
  std::string group_key;
  std::vector<Event> events;
};

// Parses Alertmanager's webhook payload (version 4): each alert becomes an event keyed
// "prometheus.<alertname>[.<label values>]", its level from the severity label, its words
// from the summary/description/action annotations. Throws core::Error(data) naming what is
// missing from a payload of another shape.
AlertmanagerBatch parse_alertmanager(const nlohmann::json& payload);

// RFC 3339 as Alertmanager writes it ("2026-12-01T10:00:00.123456789Z", "+01:00" offsets).
SystemTime parse_rfc3339(const std::string& text);

struct CommandOutcome {
  std::string key;                      // e.g. "command.backup"
  bool failed = false;
  Severity severity = Severity::high;   // of the failure
  std::string what;                     // "bscbot backup failed: disk full"
  std::vector<std::string> evidence;
  std::string next;
};

// The event of a command's outcome: firing when it failed, resolved when it succeeded.
Event command_event(const CommandOutcome& outcome, const std::string& source);

}  // namespace bscbot::core::notify
