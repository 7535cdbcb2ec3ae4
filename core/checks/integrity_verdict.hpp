#pragma once
// The database's integrity verdict as bscbotd publishes it. A quick_check reads every page, so
// its cost grows with the database (seconds at 10 GB): bscbotd runs it on its own schedule
// (DB_INTEGRITY_INTERVAL_S) off its loop, and `bscbot health` reads the verdict from
// /api/health instead of checking again, while it is fresh. This file is the contract between
// the two: how the check is run, and the JSON it travels in.
#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/db/store.hpp"
#include "core/util/clock.hpp"
#include "core/util/json_writer.hpp"

namespace bscbot::core::checks {

struct IntegrityVerdict {
  std::string result;  // "ok", or what is damaged
  std::string method;  // what was run, e.g. "PRAGMA quick_check"
  std::string location;  // the database checked (Store::location()); a verdict on another is no use
  SystemTime checked_at{};
  std::chrono::milliseconds took{0};
};

// What a check of `depth` runs on `backend`, in the operator's words.
std::string integrity_method(db::Backend backend, db::CheckDepth depth);

// Runs the check on `store` and times it; throws what the store throws.
IntegrityVerdict run_integrity_check(db::Store& store, db::CheckDepth depth, const Clock& clock);

// /api/health's database.integrity: the verdict and its age at `now`; the location only with
// `with_location` (it names the deployment: for callers who may read).
// Written straight into the health body (core/util/json_writer.hpp); to_json is the same document
// as a value.
void write_json(JsonWriter& w, const IntegrityVerdict& v, SystemTime now, bool with_location);
nlohmann::json to_json(const IntegrityVerdict& v, SystemTime now, bool with_location);

// The verdict inside an /api/health body, when it carries a well-formed one.
std::optional<IntegrityVerdict> verdict_in_health(const nlohmann::json& body);

// A verdict may stand in for a new check while younger than twice the interval: one missed run
// is tolerated, a stopped schedule is not.
bool is_fresh(const IntegrityVerdict& v, SystemTime now, std::chrono::seconds interval);

}  // namespace bscbot::core::checks
