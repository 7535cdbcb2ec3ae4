// GET /api/health: the manual's first probe. It answers from state the worker loop keeps fresh,
// so it is cheap, and it says 503 when the database is unusable or the loop is stuck. It needs no
// token; what identifies the deployment (the database path, the wallet) is only shown to a
// caller who may read (a viewer token, or a direct loopback probe, see daemon/auth.hpp), and
// RPC URLs are always shown with their keys masked.
#include <unistd.h>

#include "core/config/mask.hpp"
#include "core/util/clock.hpp"
#include "core/version.hpp"
#include "daemon/api/routes.hpp"
#include "daemon/app.hpp"
#include "daemon/auth.hpp"
#include "daemon/trading_service.hpp"

namespace bscbot::daemon::api {

std::vector<std::string> health_problems(App& app) {
  const auto now = std::chrono::steady_clock::now();
  const DbProbe db = app.state.db();
  const auto tick_age = app.state.tick_age();
  const auto stall_limit = std::chrono::milliseconds(app.cfg.integer("LOOP_STALL_MS"));
  const bool stalled = tick_age > stall_limit;
  std::vector<std::string> problems;
  if (db.state != DbState::ok) {
    problems.push_back(db.state == DbState::unknown ? std::string("database not checked yet")
                                                    : "database " + std::string(to_string(db.state)) +
                                                          (db.error.empty() ? "" : ": " + db.error));
  }
  if (stalled) problems.push_back("main loop stalled: last tick " + std::to_string(tick_age.count()) + " ms ago");
  // A probe stuck in a connect or a lock wait leaves its last verdict behind; say so.
  if (db.checked != std::chrono::steady_clock::time_point{} && now - db.checked > stall_limit) {
    problems.push_back(fmt::format("database not answering: its last probe finished {} ms ago",
                                   std::chrono::duration_cast<std::chrono::milliseconds>(now - db.checked).count()));
  }
  if (app.state.stopping) problems.push_back("shutting down");
  const auto integrity = app.state.integrity();
  if (integrity && integrity->result != "ok") problems.push_back("database damaged: " + integrity->method + " found: " + integrity->result);
  // Swaps cannot be sent nor followed while no endpoint answers: not "ok" at the top level.
  if (app.trading) {
    if (std::string chain = app.trading->problem(); !chain.empty()) problems.push_back(std::move(chain));
  }
  return problems;
}

namespace {

http::Response health(App& app, bool detail) {
  const auto now = std::chrono::steady_clock::now();
  const DbProbe db = app.state.db();
  const core::db::PoolStatus pool = app.store.pool_status();
  const auto tick_age = app.state.tick_age();
  const auto stall_limit = std::chrono::milliseconds(app.cfg.integer("LOOP_STALL_MS"));
  const bool stalled = tick_age > stall_limit;
  const std::vector<std::string> problems = health_problems(app);
  const auto integrity = app.state.integrity();
  // The log and backup folders do not stop bscbotd from serving: warnings, not a 503.
  const FolderProbe logs = app.state.logs();
  const FolderProbe backups = app.state.backups();
  std::vector<std::string> warnings;
  // The errors name folders: like the database path, only for a caller who may read.
  const auto why = [&](const FolderProbe& f) { return detail ? ": " + f.error : std::string(); };
  if (logs.state == "disk_full" || logs.state == "error") warnings.push_back("log folder " + logs.state + why(logs));
  if (backups.state == "disk_full") warnings.push_back("backup folder disk_full" + why(backups));
  const auto folder_json = [&](const FolderProbe& f) {
    return nlohmann::json{{"state", f.state}, {"free_bytes", f.free_bytes}, {"needed_bytes", f.needed_bytes}, {"error", detail ? f.error : std::string()}};
  };
  nlohmann::json logs_json = folder_json(logs);
  logs_json["lost_lines"] = app.state.log_write_failures.load();

  const auto hits = app.state.cache_hits.load();
  const auto misses = app.state.cache_misses.load();
  nlohmann::json body = {
      {"status", problems.empty() ? "ok" : "error"},
      {"timestamp", core::to_iso8601(core::system_clock().now())},
      {"websocket_connections", app.state.websocket_connections.load()},
      {"uptime_seconds", std::chrono::duration<double>(now - app.state.started()).count()},
      {"version", k_version},
      {"pid", ::getpid()},
      {"environment", app.cfg.text("NODE_ENV")},
      {"loop", {{"last_tick_age_ms", tick_age.count()}, {"stall_threshold_ms", stall_limit.count()}, {"stalled", stalled}}},
      {"database",
       {{"state", to_string(db.state)},
        {"writable", db.state == DbState::ok},
        {"locked", db.state == DbState::locked},
        {"disk_full", db.state == DbState::disk_full},
        {"error", db.error},
        {"checked_ms_ago", db.checked == std::chrono::steady_clock::time_point{} ? -1
                                : std::chrono::duration_cast<std::chrono::milliseconds>(now - db.checked).count()},
        {"backend", core::db::to_string(app.store.backend())},
        {"size_bytes", db.size_bytes ? nlohmann::json(*db.size_bytes) : nlohmann::json(nullptr)},
        {"free_bytes", db.free_bytes ? nlohmann::json(*db.free_bytes) : nlohmann::json(nullptr)},
        {"schema_version", app.schema_version},
        {"pool_used", pool.in_use},
        {"pool_max", pool.max},
        {"integrity", integrity ? core::checks::to_json(*integrity, core::system_clock().now(), detail) : nlohmann::json(nullptr)}}},
      {"logs", logs_json},
      {"backups", folder_json(backups)},
      {"warnings", warnings},
      {"chain", app.trading ? app.trading->health(detail) : nlohmann::json{{"enabled", false}, {"state", "disabled"}}},
      {"trade_queue_length", app.state.trade_queue_length.load()},
      {"cache",
       {{"size", app.state.cache_size.load()},
        {"hits", hits},
        {"misses", misses},
        {"hit_rate", hits + misses == 0 ? nlohmann::json(nullptr) : nlohmann::json(static_cast<double>(hits) / static_cast<double>(hits + misses))}}},
  };
  if (detail) {
    body["database"]["path"] = core::config::mask_url(app.store.location());
  } else {
    body["details"] = "database path and wallet omitted: send a viewer token";
  }
  if (!problems.empty()) {
    std::string reason;
    for (const auto& p : problems) reason += (reason.empty() ? "" : "; ") + p;
    body["reason"] = reason;
  }
  auto response = http::Response::json(problems.empty() ? 200 : 503, body);
  response.headers["Cache-Control"] = "no-store";
  return response;
}

}  // namespace

std::vector<http::Route> health_routes(App& app) {
  return {
      {"GET", "/api/health", http::Auth::none, "Liveness, database and main-loop state", [&app](const http::Request& r) {
         return health(app, !authorize(app, r, http::Auth::viewer).has_value());
       }},
  };
}

}  // namespace bscbot::daemon::api
