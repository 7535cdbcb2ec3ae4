#include "core/notify/alert_store.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/util/files.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace bscbot::core::notify {

AlertRecord* AlertState::find(const std::string& id) {
  if (const auto it = by_key.find(id); it != by_key.end()) return &it->second;
  for (auto& [key, r] : by_key) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

const AlertRecord* AlertState::find(const std::string& id) const { return const_cast<AlertState*>(this)->find(id); }

namespace {

json time_json(const std::optional<SystemTime>& t) { return t ? json(to_iso8601(*t)) : json(nullptr); }

std::optional<SystemTime> time_of(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_string()) return std::nullopt;
  return parse_sql_datetime(j[key].get<std::string>());
}

json to_json(const AlertRecord& r) {
  return {{"id", r.id},
          {"key", r.key},
          {"severity", to_string(r.severity)},
          {"firing", r.firing},
          {"since", to_iso8601(r.since)},
          {"last_seen", to_iso8601(r.last_seen)},
          {"resolved_at", time_json(r.resolved_at)},
          {"last_sent", time_json(r.last_sent)},
          {"recovery_sent", time_json(r.recovery_sent)},
          {"first_sent", time_json(r.first_sent)},
          {"sent_severity", r.sent_severity ? json(to_string(*r.sent_severity)) : json(nullptr)},
          {"notified", r.notified},
          {"acked_at", time_json(r.acked_at)},
          {"acked_by", r.acked_by},
          {"escalated_at", time_json(r.escalated_at)},
          {"what", r.what},
          {"next", r.next},
          {"source", r.source},
          {"evidence", r.evidence},
          {"suppressed", r.suppressed},
          {"delivery_failed", r.delivery_failed}};
}

AlertRecord from_json(const json& j) {
  AlertRecord r;
  r.id = j.at("id").get<std::string>();
  r.key = j.at("key").get<std::string>();
  r.severity = parse_severity(j.at("severity").get<std::string>()).value_or(Severity::high);
  r.firing = j.at("firing").get<bool>();
  r.since = *time_of(j, "since");
  r.last_seen = time_of(j, "last_seen").value_or(r.since);
  r.resolved_at = time_of(j, "resolved_at");
  r.last_sent = time_of(j, "last_sent");
  r.recovery_sent = time_of(j, "recovery_sent");
  r.first_sent = time_of(j, "first_sent");
  if (j.contains("sent_severity") && j["sent_severity"].is_string()) r.sent_severity = parse_severity(j["sent_severity"].get<std::string>());
  r.notified = j.value("notified", std::vector<std::string>{});
  r.acked_at = time_of(j, "acked_at");
  r.acked_by = j.value("acked_by", "");
  r.escalated_at = time_of(j, "escalated_at");
  r.what = j.value("what", "");
  r.next = j.value("next", "");
  r.source = j.value("source", "");
  r.evidence = j.value("evidence", std::vector<std::string>{});
  r.suppressed = j.value("suppressed", std::int64_t{0});
  r.delivery_failed = j.value("delivery_failed", false);
  return r;
}

AlertState parse_state(const std::string& text, const fs::path& file) {
  AlertState s;
  if (text.empty()) return s;
  try {
    const json j = json::parse(text);
    s.next_id = j.value("next_id", std::int64_t{1});
    for (const auto& r : j.at("alerts")) {
      AlertRecord rec = from_json(r);
      s.by_key[rec.key] = std::move(rec);
    }
  } catch (const std::exception& e) {
    throw Error(ErrorKind::data, fmt::format("{} is not a notification state file ({}); move it aside and the notifier starts afresh",
                                             file.string(), e.what()));
  }
  return s;
}

}  // namespace

AlertState AlertStore::load() const {
  std::error_code ec;
  if (!fs::exists(m_file, ec)) return {};
  return parse_state(read_file(m_file), m_file);
}

void AlertStore::update(const std::function<void(AlertState&)>& change) const {
  std::error_code ec;
  if (!m_file.parent_path().empty()) fs::create_directories(m_file.parent_path(), ec);
  const fs::path lock_path = m_file.string() + ".lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || ::flock(fd, LOCK_EX) != 0) {
    const int saved = errno;
    if (fd >= 0) ::close(fd);
    throw Error(ErrorKind::io, fmt::format("cannot lock {}: {}", lock_path.string(), std::strerror(saved)));
  }
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }
  } unlock{fd};
  std::error_code exists_ec;
  const std::string before = fs::exists(m_file, exists_ec) ? read_file(m_file) : std::string();
  AlertState state = parse_state(before, m_file);
  change(state);
  // Keep a week of resolved problems (for `notify status` and flapping), not forever.
  SystemTime newest{};
  for (const auto& [k, r] : state.by_key) newest = std::max(newest, r.last_seen);
  for (auto it = state.by_key.begin(); it != state.by_key.end();) {
    if (!it->second.firing && it->second.resolved_at && newest - *it->second.resolved_at > std::chrono::hours(24 * 7)) it = state.by_key.erase(it);
    else ++it;
  }
  json alerts = json::array();
  for (const auto& [k, r] : state.by_key) alerts.push_back(to_json(r));
  const std::string after = json{{"version", 1}, {"next_id", state.next_id}, {"alerts", alerts}}.dump(2) + "\n";
  // bscbotd looks for due escalations every few seconds: no change, no write (and no fsync).
  if (after != before) atomic_write_file(m_file, after, fs::perms(0600));
}

}  // namespace bscbot::core::notify
