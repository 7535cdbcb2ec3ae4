#pragma once
// The status page bscbotd serves at GET /: its health verdicts, the last trades and charts of
// the last 24 hours, as one self-contained HTML page that reloads itself. For operators without
// Grafana; everything on it is also in /api/health, /api/metrics and the trade history.
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/checks/status.hpp"
#include "core/db/store.hpp"
#include "core/reports/svg_chart.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::reports {

struct Verdict {
  std::string name;    // "database", "integrity", "chain"
  checks::Status status = checks::Status::unknown;
  std::string detail;  // what was seen
};

struct StatusPage {
  checks::Status overall = checks::Status::unknown;
  std::string reason;                                      // why it is not OK, when it is not
  std::vector<std::pair<std::string, std::string>> facts;  // version, uptime, backend, ...
  std::vector<Verdict> verdicts;
  std::vector<svg::TimeChart> charts;
  std::vector<db::Trade> trades;                           // newest first
  SystemTime generated_at;
  int refresh_seconds = 30;
};

std::string render_status_page(const StatusPage& page);

// The last 24 hours before `now` as charts: requests/s and latency, trade success rate and trades
// per hour, queue length and memory, from the daemon's samples (metric_samples, one row per
// `sample_interval`) and the trades table.
std::vector<svg::TimeChart> day_charts(db::Store& store, SystemTime now, std::chrono::seconds sample_interval);

}  // namespace bscbot::core::reports
