// The status page's charts of the last 24 hours. Request, latency, queue and memory figures come
// from the windows bscbotd samples (metric_samples), trade figures from the trades table per UTC
// hour, so the charts survive a restart of the daemon.
#include <fmt/format.h>

#include <map>

#include "core/metrics/window.hpp"
#include "core/reports/status_page.hpp"

namespace bscbot::core::reports {

namespace {

namespace sample = metrics::sample;

constexpr auto k_day = std::chrono::hours(24);
// More points than the chart is wide only make the page heavier.
constexpr std::size_t k_max_points = 480;

double unix_seconds(SystemTime t) { return std::chrono::duration<double>(t.time_since_epoch()).count(); }

// Averages runs of points into at most k_max_points equal slices of [from, to].
std::vector<svg::Point> thin(std::vector<svg::Point> points, double from, double to) {
  if (points.size() <= k_max_points || to <= from) return points;
  const double slice = (to - from) / k_max_points;
  std::vector<svg::Point> out;
  std::size_t i = 0;
  while (i < points.size()) {
    const auto index = static_cast<long>((points[i].x - from) / slice);
    double sx = 0, sy = 0;
    int n = 0;
    for (; i < points.size() && static_cast<long>((points[i].x - from) / slice) == index; ++i, ++n) {
      sx += points[i].x;
      sy += points[i].y;
    }
    out.push_back({sx / n, sy / n});
  }
  return out;
}

class Reader {
public:
  Reader(db::MetricStore& samples, SystemTime since, std::chrono::seconds interval, double from, double to)
      : m_samples(samples), m_since(since), m_from(from), m_to(to) {
    const auto expected = k_day / std::max(interval, std::chrono::seconds(1));
    m_max_rows = static_cast<int>(std::min<std::int64_t>(expected + 16, 100000));
  }

  std::vector<svg::Point> series(std::string_view name, double scale = 1) {
    std::vector<svg::Point> out;
    for (const auto& v : m_samples.series(std::string(name), m_since, m_max_rows)) out.push_back({unix_seconds(v.sampled_at), v.value * scale});
    return thin(std::move(out), m_from, m_to);
  }

  // A per-window count divided by its window's length: a rate per second.
  std::vector<svg::Point> rate(std::string_view name) {
    std::map<double, double> seconds;
    for (const auto& v : m_samples.series(std::string(sample::window_seconds), m_since, m_max_rows)) seconds[unix_seconds(v.sampled_at)] = v.value;
    std::vector<svg::Point> out;
    for (const auto& v : m_samples.series(std::string(name), m_since, m_max_rows)) {
      const double t = unix_seconds(v.sampled_at);
      const auto w = seconds.find(t);
      if (w != seconds.end() && w->second > 0) out.push_back({t, v.value / w->second});
    }
    return thin(std::move(out), m_from, m_to);
  }

private:
  db::MetricStore& m_samples;
  SystemTime m_since;
  double m_from, m_to;
  int m_max_rows = 0;
};

}  // namespace

std::vector<svg::TimeChart> day_charts(db::Store& store, SystemTime now, std::chrono::seconds sample_interval) {
  const SystemTime since = now - k_day;
  const double from = unix_seconds(since), to = unix_seconds(now);
  // A window longer than two and a half intervals means bscbotd was not sampling: a gap.
  const double gap = 2.5 * static_cast<double>(std::max<std::int64_t>(sample_interval.count(), 1));
  const auto chart = [&](std::string id, std::string title, std::string unit, std::vector<svg::Series> series) {
    svg::TimeChart c;
    c.id = std::move(id);
    c.title = std::move(title);
    c.unit = std::move(unit);
    c.from = from;
    c.to = to;
    c.series = std::move(series);
    c.max_gap_seconds = gap;
    return c;
  };

  std::vector<svg::TimeChart> charts;
  db::MetricStore& samples = store.samples();
  const bool sampled = samples.available();
  Reader r(samples, since, sample_interval, from, to);
  const auto sampled_series = [&](std::string name, auto read) { return svg::Series{std::move(name), sampled ? read() : std::vector<svg::Point>{}}; };

  charts.push_back(chart("chart-requests", "Requests per second", "req/s",
                         {sampled_series("requests", [&] { return r.rate(sample::requests); }),
                          sampled_series("5xx", [&] { return r.rate(sample::errors_5xx); })}));
  charts.push_back(chart("chart-latency", "Response time", "ms",
                         {sampled_series("p50", [&] { return r.series(sample::request_p50_ms); }),
                          sampled_series("p95", [&] { return r.series(sample::request_p95_ms); })}));

  // Trades per UTC hour: an hour without trades is a zero, not a gap.
  std::map<std::string, db::TradeStats> hours;
  for (auto& h : store.trades().hourly(since, now)) hours[h.hour] = h.stats;
  std::vector<svg::Point> success, total, failed;
  const auto first_hour = std::chrono::floor<std::chrono::hours>(since);
  for (auto h = first_hour; h <= now; h += std::chrono::hours(1)) {
    const std::string key = to_sql_datetime(h).substr(0, 13);
    const double mid = std::clamp(unix_seconds(h) + 1800, from, to);
    const auto it = hours.find(key);
    const db::TradeStats stats = it == hours.end() ? db::TradeStats{} : it->second;
    total.push_back({mid, static_cast<double>(stats.total)});
    failed.push_back({mid, static_cast<double>(stats.failed)});
    if (stats.success_rate) success.push_back({mid, *stats.success_rate});
  }
  auto success_chart = chart("chart-success", "Trade success rate (per hour)", "%", {{"success", success}});
  success_chart.y_max = 100;
  success_chart.max_gap_seconds = 3600 * 1.5;
  charts.push_back(std::move(success_chart));
  auto trades_chart = chart("chart-trades", "Trades per hour", "trades", {{"all", total}, {"failed", failed}});
  trades_chart.max_gap_seconds = 0;  // every hour has its point, zero or not
  charts.push_back(std::move(trades_chart));

  charts.push_back(chart("chart-queue", "Trade queue length", "", {sampled_series("queued", [&] { return r.series(sample::trade_queue_length); })}));
  charts.push_back(chart("chart-memory", "Memory (RSS)", "MiB",
                         {sampled_series("rss", [&] { return r.series(sample::rss_bytes, 1.0 / (1024.0 * 1024.0)); })}));
  return charts;
}

}  // namespace bscbot::core::reports
