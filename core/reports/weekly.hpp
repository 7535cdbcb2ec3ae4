#pragma once
// `bscbot report weekly`: the manual's Friday performance report (weekly-health-summary.sh >
// reports/weekly_YYYYmmdd.md) with its key metrics: response times, trade success rate,
// database query P95 and cache hit rate over the week, per day and in total, read from the
// samples bscbotd stores (metric_samples) and the trades table.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/checks/status.hpp"
#include "core/config/config.hpp"
#include "core/db/store.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::reports {

// One stretch of time (a UTC day, or the whole period) added up.
struct PeriodFigures {
  std::string label;                       // "2026-11-25" or "week"
  double requests = 0;
  double request_seconds = 0;
  double errors_5xx = 0;
  double unauthorized = 0;
  double queries = 0;
  double cache_hits = 0;
  double cache_misses = 0;
  double cpu_seconds = 0;
  double sampled_seconds = 0;              // covered by the daemon's sample windows
  double peak_rss_bytes = 0;
  double peak_ws_connections = 0;
  std::optional<double> request_p50_ms;    // from the summed latency buckets
  std::optional<double> request_p95_ms;
  std::optional<double> query_p95_ms;
  db::TradeStats trades;                   // trades created in the stretch (counts only)

  std::optional<double> average_ms() const;
  std::optional<double> error_rate_percent() const;
  std::optional<double> cache_hit_percent() const;
  std::optional<double> cpu_percent() const;  // of one core, over the sampled time
};

struct WeeklyReport {
  std::string since;                       // SQL datetime, UTC
  std::string until;
  double period_seconds = 0;
  std::vector<PeriodFigures> days;
  PeriodFigures total;
  std::optional<double> gas_fee_avg_wei;   // over the period
  bool samples_table = true;               // false for a database older than the samples
  double coverage_percent() const { return period_seconds > 0 ? total.sampled_seconds * 100.0 / period_seconds : 0; }
};

// The figures for the `days` days before `until`.
WeeklyReport build_weekly(db::Store& store, SystemTime until, int days);

// One key metric of the week, judged against its threshold from `cfg` (no status without data).
struct KeyMetric {
  std::string metric;
  std::string value;
  std::string target;
  std::optional<checks::Status> status;
};
std::vector<KeyMetric> key_metrics(const WeeklyReport& report, const config::Config& cfg);

// The Markdown report, with each key metric judged against its threshold from `cfg`.
std::string render_weekly(const WeeklyReport& report, const config::Config& cfg);

// The same report as one self-contained HTML page with a chart per key figure and day.
std::string render_weekly_html(const WeeklyReport& report, const config::Config& cfg);

nlohmann::json to_json(const WeeklyReport& report);

}  // namespace bscbot::core::reports
