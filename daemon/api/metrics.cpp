// GET /api/metrics: Prometheus text exposition, with gauges read from their owners at scrape
// time so they are never stale.
#include "daemon/api/routes.hpp"
#include "daemon/app.hpp"
#include "daemon/trading_service.hpp"

namespace bscbot::daemon::api {

namespace {

http::Response metrics(App& app) {
  MetricsSnapshot s;
  read_process_usage(s.resident_memory_bytes, s.cpu_seconds, s.start_time_seconds);
  s.http_connections = app.state.http_connections.load();
  s.http_max_connections = app.state.http_max_connections.load();
  s.websocket_connections = app.state.websocket_connections.load();
  s.trade_queue_length = app.state.trade_queue_length.load();
  const auto hits = app.state.cache_hits.load();
  const auto misses = app.state.cache_misses.load();
  s.cache_hit_rate = hits + misses == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(hits + misses);
  s.cache_size = app.state.cache_size.load();
  const core::db::PoolStatus pool = app.store.pool_status();
  s.db_pool_used = pool.in_use;
  s.db_pool_max = pool.max;
  s.db_connection_errors = static_cast<double>(pool.connection_errors);
  s.loop_tick_age_seconds = static_cast<double>(app.state.tick_age().count()) / 1000.0;
  s.db_ok = app.state.db().state == DbState::ok;
  if (const auto v = app.state.integrity()) {
    s.db_integrity_ok = v->result == "ok";
    s.db_integrity_age_seconds = std::chrono::duration<double>(core::system_clock().now() - v->checked_at).count();
  }
  if (app.trading) app.trading->fill_metrics(s);
  return http::Response::text(200, app.metrics.render(s), "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace

std::vector<http::Route> metrics_routes(App& app) {
  return {
      {"GET", "/api/metrics", http::Auth::none, "Prometheus metrics", [&app](const http::Request&) { return metrics(app); }},
  };
}

}  // namespace bscbot::daemon::api
