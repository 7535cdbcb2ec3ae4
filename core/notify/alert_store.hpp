#pragma once
// What the notifier remembers between runs and between programs: every problem it has heard
// of (by key), whether it is still firing, when it was last sent and at what level, who
// acknowledged it and whether it was escalated. bscbotd and the commands share one JSON file
// in DATA_DIR, read and rewritten whole (atomically) under an exclusive lock, so a failed
// backup reported by cron and a health transition seen by the daemon never lose each other.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/notify/severity.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::notify {

struct AlertRecord {
  std::string id;                          // "alert-12", or the incident ID
  std::string key;
  Severity severity = Severity::high;      // as last reported
  bool firing = true;
  SystemTime since{};                      // start of the current firing period
  SystemTime last_seen{};
  std::optional<SystemTime> resolved_at;
  std::optional<SystemTime> last_sent;     // last message about it that reached someone
  std::optional<SystemTime> recovery_sent; // last "resolved" message
  std::optional<SystemTime> first_sent;    // of the current firing period: escalation counts from here
  std::optional<Severity> sent_severity;   // highest level sent within the repeat window
  std::vector<std::string> notified;       // contact roles reached in this firing period
  std::optional<SystemTime> acked_at;
  std::string acked_by;
  std::optional<SystemTime> escalated_at;
  std::string what, next, source;
  std::vector<std::string> evidence;
  std::int64_t suppressed = 0;             // reports not sent (deduplicated) in this period
  bool delivery_failed = false;            // the last attempt reached nobody
};

struct AlertState {
  std::map<std::string, AlertRecord> by_key;
  std::int64_t next_id = 1;

  // The record with ID or key `id`, or nullptr.
  AlertRecord* find(const std::string& id);
  const AlertRecord* find(const std::string& id) const;
};

class AlertStore {
public:
  explicit AlertStore(std::filesystem::path file) : m_file(std::move(file)) {}

  // Loads the state under an exclusive lock, lets `change` modify it and writes it back
  // atomically. Resolved records older than a week are dropped. Throws core::Error(io/data)
  // naming the file.
  void update(const std::function<void(AlertState&)>& change) const;

  // The state as last written (no lock needed: the file is replaced whole).
  AlertState load() const;

  const std::filesystem::path& path() const { return m_file; }

private:
  std::filesystem::path m_file;
};

}  // namespace bscbot::core::notify
