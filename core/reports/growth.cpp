#include "core/reports/growth.hpp"

#include "core/metrics/window.hpp"

namespace bscbot::core::reports {

GrowthTrend size_trend(db::MetricStore& samples, SystemTime now, int days) {
  GrowthTrend trend;
  const SystemTime today = parse_sql_datetime(to_sql_datetime(now).substr(0, 10) + " 00:00:00");
  const SystemTime since = today - std::chrono::hours(24) * (days - 1);
  for (const db::DailyMetric& d : samples.daily(since, now)) {
    if (d.name != metrics::sample::db_file_bytes || d.samples == 0) continue;
    GrowthDay g{d.day, d.max, std::nullopt};
    if (!trend.days.empty()) g.change = g.bytes - trend.days.back().bytes;
    trend.days.push_back(std::move(g));
  }
  if (trend.days.size() >= 2) {
    const auto first = parse_sql_datetime(trend.days.front().day + " 00:00:00");
    const auto last = parse_sql_datetime(trend.days.back().day + " 00:00:00");
    const double between = std::chrono::duration<double>(last - first).count() / 86400.0;
    if (between > 0) trend.per_day = (trend.days.back().bytes - trend.days.front().bytes) / between;
  }
  return trend;
}

std::optional<double> days_to_full(const GrowthTrend& trend, std::optional<std::uintmax_t> free_bytes) {
  if (!trend.per_day || *trend.per_day <= 0 || !free_bytes) return std::nullopt;
  return static_cast<double>(*free_bytes) / *trend.per_day;
}

}  // namespace bscbot::core::reports
