// GET /api/health: the manual's first probe. It answers from state the worker loop keeps fresh,
// so it is cheap, and it says 503 when the database is unusable or the loop is stuck. It needs no
// token; what identifies the deployment (the database path, the wallet) is only shown to a
// caller who may read (a viewer token, or a direct loopback probe, see daemon/auth.hpp), and
// RPC URLs are always shown with their keys masked.
#include <unistd.h>

#include "core/config/mask.hpp"
#include "core/util/clock.hpp"
#include "core/util/json_writer.hpp"
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

// The body is written as text (core/util/json_writer.hpp), keys in nlohmann's sorted order:
// this is the route every probe and load balancer hits, and building it as a DOM cost more than
// the rest of the request.
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
  const auto hits = app.state.cache_hits.load();
  const auto misses = app.state.cache_misses.load();

  http::Response response;
  response.status = problems.empty() ? 200 : 503;
  response.headers["Cache-Control"] = "no-store";
  std::string& out = response.body;
  out.reserve(1024);
  core::JsonWriter w(out);
  const auto folder = [&](const FolderProbe& f, std::optional<std::uint64_t> lost_lines) {
    w.begin_object();
    w.key("error").value(detail ? f.error : std::string());
    w.key("free_bytes").value(f.free_bytes);
    if (lost_lines) w.key("lost_lines").value(*lost_lines);
    w.key("needed_bytes").value(f.needed_bytes);
    w.key("state").value(f.state);
    w.end_object();
  };
  w.begin_object();
  w.key("backups");
  folder(backups, std::nullopt);
  w.key("cache").begin_object();
  w.key("hit_rate");
  if (hits + misses == 0) w.value(nullptr);
  else w.value(static_cast<double>(hits) / static_cast<double>(hits + misses));
  w.key("hits").value(hits);
  w.key("misses").value(misses);
  w.key("size").value(app.state.cache_size.load());
  w.end_object();
  w.key("chain");
  if (app.trading) w.value(app.trading->health(detail));
  else w.begin_object().key("enabled").value(false).key("state").value("disabled").end_object();
  w.key("database").begin_object();
  w.key("backend").value(core::db::to_string(app.store.backend()));
  w.key("checked_ms_ago").value(db.checked == std::chrono::steady_clock::time_point{}
                                    ? std::int64_t{-1}
                                    : static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now - db.checked).count()));
  w.key("disk_full").value(db.state == DbState::disk_full);
  w.key("error").value(db.error);
  w.key("free_bytes").value(db.free_bytes);
  w.key("integrity");
  if (integrity) core::checks::write_json(w, *integrity, core::system_clock().now(), detail);
  else w.value(nullptr);
  w.key("locked").value(db.state == DbState::locked);
  if (detail) w.key("path").value(core::config::mask_url(app.store.location()));
  w.key("pool_max").value(pool.max);
  w.key("pool_used").value(pool.in_use);
  w.key("schema_version").value(app.schema_version);
  w.key("size_bytes").value(db.size_bytes);
  w.key("state").value(to_string(db.state));
  w.key("writable").value(db.state == DbState::ok);
  w.end_object();
  if (!detail) w.key("details").value("database path and wallet omitted: send a viewer token");
  w.key("environment").value(app.cfg.text("NODE_ENV"));
  w.key("logs");
  folder(logs, app.state.log_write_failures.load());
  w.key("loop").begin_object();
  w.key("last_tick_age_ms").value(static_cast<std::int64_t>(tick_age.count()));
  w.key("stall_threshold_ms").value(static_cast<std::int64_t>(stall_limit.count()));
  w.key("stalled").value(stalled);
  w.end_object();
  w.key("pid").value(::getpid());
  if (!problems.empty()) {
    std::string reason;
    for (const auto& p : problems) reason += (reason.empty() ? "" : "; ") + p;
    w.key("reason").value(reason);
  }
  w.key("status").value(problems.empty() ? "ok" : "error");
  w.key("timestamp").value(core::to_iso8601(core::system_clock().now()));
  w.key("trade_queue_length").value(app.state.trade_queue_length.load());
  w.key("uptime_seconds").value(std::chrono::duration<double>(now - app.state.started()).count());
  w.key("version").value(k_version);
  w.key("warnings").begin_array();
  for (const auto& warning : warnings) w.value(warning);
  w.end_array();
  w.key("websocket_connections").value(app.state.websocket_connections.load());
  w.end_object();
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
