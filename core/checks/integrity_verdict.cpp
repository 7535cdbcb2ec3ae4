#include "core/checks/integrity_verdict.hpp"

#include "core/config/mask.hpp"
#include "core/error.hpp"

namespace bscbot::core::checks {

std::string integrity_method(db::Backend backend, db::CheckDepth depth) {
  const bool full = depth == db::CheckDepth::full;
  if (backend == db::Backend::sqlite) return full ? "PRAGMA integrity_check" : "PRAGMA quick_check";
  return full ? "a read of every table" : "the required tables";
}

IntegrityVerdict run_integrity_check(db::Store& store, db::CheckDepth depth, const Clock& clock) {
  IntegrityVerdict v;
  v.method = integrity_method(store.backend(), depth);
  v.location = store.location();
  const auto started = std::chrono::steady_clock::now();
  v.result = store.check_integrity(depth);
  v.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  v.checked_at = clock.now();
  return v;
}

void write_json(JsonWriter& w, const IntegrityVerdict& v, SystemTime now, bool with_location) {
  w.begin_object();  // keys in nlohmann's (sorted) order
  w.key("age_seconds").value(static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::seconds>(now - v.checked_at).count()));
  w.key("checked_at").value(to_iso8601(v.checked_at));
  if (with_location) w.key("location").value(config::mask_url(v.location));
  w.key("method").value(v.method);
  w.key("result").value(v.result);
  w.key("took_ms").value(static_cast<std::int64_t>(v.took.count()));
  w.end_object();
}

nlohmann::json to_json(const IntegrityVerdict& v, SystemTime now, bool with_location) {
  std::string text;
  JsonWriter w(text);
  write_json(w, v, now, with_location);
  return nlohmann::json::parse(text);
}

std::optional<IntegrityVerdict> verdict_in_health(const nlohmann::json& body) {
  if (!body.is_object() || !body.contains("database") || !body["database"].is_object()) return std::nullopt;
  const auto& j = body["database"].value("integrity", nlohmann::json());
  if (!j.is_object() || !j.contains("result") || !j["result"].is_string() || !j.contains("checked_at") || !j["checked_at"].is_string()) {
    return std::nullopt;
  }
  IntegrityVerdict v;
  v.result = j["result"].get<std::string>();
  if (v.result.empty()) return std::nullopt;
  v.method = j.value("method", std::string());
  if (j.contains("location") && j["location"].is_string()) v.location = j["location"].get<std::string>();
  try {
    v.checked_at = parse_sql_datetime(j["checked_at"].get<std::string>());
  } catch (const Error&) {
    return std::nullopt;  // not a verdict this version can read: health checks for itself
  }
  if (j.contains("took_ms") && j["took_ms"].is_number_integer()) v.took = std::chrono::milliseconds(j["took_ms"].get<std::int64_t>());
  return v;
}

bool is_fresh(const IntegrityVerdict& v, SystemTime now, std::chrono::seconds interval) {
  // A verdict from the future (a clock stepped back) proves nothing about now.
  return v.checked_at <= now && now - v.checked_at <= 2 * interval;
}

}  // namespace bscbot::core::checks
