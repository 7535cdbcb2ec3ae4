#pragma once
// The one path every notification takes, from bscbotd and from the commands alike:
//  - deduplicated: one message per problem (key) per NOTIFY_REPEAT_MIN while it lasts; a worse
//    level goes out at once, a better one waits for the recovery or the next reminder, and a
//    problem that flaps back within the window does not start a new storm;
//  - routed by level (NOTIFY_ROUTE_*) to the contacts of bscbot.yaml and grouped, so one
//    evaluation that finds three problems sends each person one message;
//  - retried with exponential backoff (NOTIFY_RETRIES, NOTIFY_RETRY_BACKOFF_MS, Retry-After);
//  - recorded, every attempt, in the delivery log;
//  - escalated to NOTIFY_ESCALATE_TO when a critical or high alert is not acknowledged within
//    NOTIFY_ESCALATE_AFTER_MIN.
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/notify/alert_store.hpp"
#include "core/notify/channels.hpp"
#include "core/notify/delivery_log.hpp"
#include "core/notify/message.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::notify {

struct NotifyEdges {
  const Clock* clock = nullptr;
  Sender* sender = nullptr;
  // Waits before a retry; returns false to give up (bscbotd is stopping). Empty: sleep.
  std::function<bool(std::chrono::milliseconds)> wait;
};

struct Delivery {
  Destination destination;
  std::vector<std::string> ids;  // alert IDs the message carried
  bool ok = false;
  int attempts = 0;
  long status = 0;
  std::string error;             // of the last attempt
};

struct NotifyResult {
  std::vector<Item> sent;                // items that went out (to at least one destination)
  std::vector<Item> undelivered;         // items that reached nobody
  std::vector<std::string> suppressed;   // keys held back by deduplication
  std::vector<Delivery> deliveries;
  std::vector<std::string> problems;     // contacts or channels that could not be used

  // True unless some destination failed or some item reached nobody.
  bool all_delivered() const;
};

// DATA_DIR/notify-state.json and LOG_DIR/notifications.jsonl.
std::filesystem::path state_file(const config::Config& cfg);
std::filesystem::path delivery_log_file(const config::Config& cfg);

// NOTIFY_SOURCE, else the host name.
std::string deployment_name(const config::Config& cfg);

class Notifier {
public:
  Notifier(const config::Config& cfg, NotifyEdges edges);

  // Takes the events of one evaluation (any mix of firing and resolved) and sends what the
  // rules above let through. Never throws for a failed delivery; throws core::Error(io) when
  // the state or the log cannot be written.
  NotifyResult report(const std::vector<Event>& events);

  // Escalates every critical or high alert that has gone unacknowledged for
  // NOTIFY_ESCALATE_AFTER_MIN since it was first sent.
  NotifyResult escalate_due();

  // Records that `by` has taken `id` (an alert ID, an incident ID or a key): its escalation
  // stops. Throws core::Error(not_found) listing the open alerts when there is no such alert.
  AlertRecord acknowledge(const std::string& id, const std::string& by);

  // A test message to every destination of `roles` (default: every role any route names),
  // optionally only through `channel`; nothing is stored or deduplicated.
  NotifyResult send_test(std::optional<Channel> channel, std::vector<std::string> roles);

  // The alerts remembered, firing first.
  std::vector<AlertRecord> alerts() const;

  const DeliveryLog& log() const { return m_log; }

private:
  struct Routed {
    Item item;
    std::vector<std::string> roles;
  };
  NotifyResult deliver(const std::vector<Routed>& routed, std::optional<Channel> only = std::nullopt);
  std::vector<std::string> roles_of(Severity s) const;

  const config::Config& m_cfg;
  NotifyEdges m_edges;
  AlertStore m_store;
  DeliveryLog m_log;
};

}  // namespace bscbot::core::notify
