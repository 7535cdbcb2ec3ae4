#pragma once
// What a notification says. Every source (bscbotd's health checks, Alertmanager, a failed
// backup, a new incident) reports Events; the notifier turns the ones worth sending into one
// Message per destination. Each item says what is wrong, since when, the evidence, and the
// command to run next, so the person woken up does not start from a blank terminal.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/notify/severity.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::notify {

enum class EventState { firing, resolved };

struct Event {
  std::string key;                  // one problem, for deduplication: "health.disk_data"
  std::string id;                   // a fixed ID (an incident's); empty: the notifier assigns one
  Severity severity = Severity::high;
  EventState state = EventState::firing;
  std::string what;                 // one line: what is wrong (or what recovered)
  std::optional<SystemTime> since;  // when it started, if the source knows better than "first seen"
  std::vector<std::string> evidence;
  std::string next;                 // the command to run next
  std::string source;               // "bscbotd health checks", "Alertmanager", "bscbot backup"
  // A one-time notice (bscbotd restarted after an unclean stop): sent once, then closed; never
  // repeated, resolved or escalated.
  bool notice = false;
};

// Why an item is sent.
enum class Kind {
  alert,       // a new problem, or one that got worse
  reminder,    // still there after NOTIFY_REPEAT_MIN
  resolved,    // it went away
  escalation,  // critical or high, not acknowledged within NOTIFY_ESCALATE_AFTER_MIN
  test,        // `bscbot notify test`
};
std::string_view to_string(Kind k);

struct Item {
  Event event;
  std::string id;      // the alert ID operators acknowledge with `bscbot incident ack ID`
  Kind kind = Kind::alert;
  SystemTime since;    // first seen (or the source's own start time)
  std::optional<SystemTime> resolved_at;
};

struct Message {
  std::string deployment;          // NOTIFY_SOURCE or the host name
  SystemTime at;                   // when it was composed
  std::vector<Item> items;         // one or more, grouped per destination
  std::vector<std::string> to;     // contact labels it reaches, e.g. "primary (Alice)"

  // The most urgent item's level.
  Severity severity() const;
};

}  // namespace bscbot::core::notify
