// GET /: the status page (core/reports/status_page.hpp) for people without Grafana. A read like
// the trade history, so it takes the same viewer rule (a token, or a direct loopback request);
// its verdicts come from the same state as /api/health, its charts from the daemon's samples.
// The Content-Security-Policy allows nothing but the page's own inline style: no script, no
// font, no request anywhere, so it works offline and nothing injected into it could run.
#include <fmt/format.h>

#include "core/config/mask.hpp"
#include "core/reports/status_page.hpp"
#include "core/util/clock.hpp"
#include "core/version.hpp"
#include "daemon/api/routes.hpp"
#include "daemon/app.hpp"
#include "daemon/trading_service.hpp"

namespace bscbot::daemon::api {

namespace {

using core::checks::Status;
using core::reports::Verdict;

constexpr int k_trades_shown = 20;

std::string ms_ago(std::chrono::milliseconds d) { return core::format_duration(d) + " ago"; }

std::vector<Verdict> verdicts(App& app) {
  const auto now = std::chrono::steady_clock::now();
  std::vector<Verdict> out;
  const DbProbe db = app.state.db();
  std::string db_detail = fmt::format("{} {}", core::db::to_string(app.store.backend()), to_string(db.state));
  if (db.size_bytes) db_detail += ", " + core::bytes_text(static_cast<double>(*db.size_bytes));
  if (db.checked != std::chrono::steady_clock::time_point{}) {
    db_detail += ", probed " + ms_ago(std::chrono::duration_cast<std::chrono::milliseconds>(now - db.checked));
  }
  if (!db.error.empty()) db_detail += ": " + core::config::mask_secrets(db.error);
  out.push_back({"database", db.state == DbState::ok ? Status::ok : db.state == DbState::unknown ? Status::unknown : Status::crit, db_detail});

  if (const auto v = app.state.integrity()) {
    const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(core::system_clock().now() - v->checked_at);
    out.push_back({"integrity", v->result == "ok" ? Status::ok : Status::crit, fmt::format("{}: {}, {}", v->method, v->result, ms_ago(age))});
  } else {
    out.push_back({"integrity", Status::unknown, "not checked yet (every DB_INTEGRITY_INTERVAL_S)"});
  }

  const auto tick_age = app.state.tick_age();
  const auto stall = std::chrono::milliseconds(app.cfg.integer("LOOP_STALL_MS"));
  out.push_back({"main loop", tick_age > stall ? Status::crit : Status::ok, fmt::format("last tick {} ms ago (stalled after {} ms)", tick_age.count(), stall.count())});

  if (app.trading) {
    const auto s = app.trading->engine().status();
    const auto& c = s.chain;
    const Status st = c.down ? Status::crit : c.state == core::trade::ChainState::ok ? Status::ok : Status::warn;
    std::string detail = c.down ? std::string("down") : std::string(core::trade::to_string(c.state));
    if (c.block_number) detail += fmt::format(", block {}", *c.block_number);
    if (!c.detail.empty()) detail += ": " + core::config::mask_secrets(c.detail);
    out.push_back({"chain", st, detail});
  } else {
    out.push_back({"chain", Status::ok, "disabled (CHAIN_ENABLED=false)"});
  }

  const auto folder = [&](const char* name, const FolderProbe& f) {
    const Status st = f.state == "ok" ? Status::ok : f.state == "unknown" ? Status::unknown : Status::warn;
    out.push_back({name, st, fmt::format("{}, {} free", f.state, core::bytes_text(static_cast<double>(f.free_bytes)))});
  };
  folder("log folder", app.state.logs());
  folder("backup folder", app.state.backups());
  out.push_back({"trade queue", Status::ok, fmt::format("{} waiting", app.state.trade_queue_length.load())});
  out.push_back({"websocket clients", Status::ok, fmt::format("{} connected", app.state.websocket_connections.load())});
  return out;
}

http::Response status_page(App& app) {
  const auto now = core::system_clock().now();
  core::reports::StatusPage page;
  const auto problems = health_problems(app);
  page.overall = problems.empty() ? Status::ok : Status::crit;
  for (const auto& p : problems) page.reason += (page.reason.empty() ? "" : "; ") + p;
  const auto uptime = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - app.state.started());
  page.facts = {{"version", std::string(k_version)},
                {"environment", app.cfg.text("NODE_ENV")},
                {"uptime", core::format_duration(uptime)},
                {"database", std::string(core::db::to_string(app.store.backend()))}};
  page.verdicts = verdicts(app);
  page.generated_at = now;
  page.refresh_seconds = static_cast<int>(app.cfg.integer("STATUS_PAGE_REFRESH_S"));
  // The page still shows the live verdicts when the database cannot answer; it says so.
  try {
    page.charts = core::reports::day_charts(app.store, now, std::chrono::seconds(app.cfg.integer("METRIC_SAMPLE_INTERVAL_S")));
    page.trades = app.store.trades().history({k_trades_shown, std::nullopt, std::nullopt, std::nullopt});
  } catch (const std::exception& e) {
    page.verdicts.push_back({"charts and trades", Status::crit, std::string("could not read the database: ") + core::config::mask_secrets(e.what())});
  }
  auto response = http::Response::text(problems.empty() ? 200 : 503, core::reports::render_status_page(page), "text/html; charset=utf-8");
  response.headers["Cache-Control"] = "no-store";
  response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  return response;
}

}  // namespace

std::vector<http::Route> status_page_routes(App& app) {
  return {
      {"GET", "/", http::Auth::viewer, "Status page: health verdicts, last trades, charts of the last 24 h (HTML)",
       [&app](const http::Request&) { return status_page(app); }},
  };
}

}  // namespace bscbot::daemon::api
