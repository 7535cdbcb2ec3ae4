// `bscbot report weekly --html FILE`: the weekly report as a page people open in a browser: the
// same key metrics and verdicts as the Markdown, and a bar chart per figure with one bar per UTC
// day of the period (a day bscbotd was not sampling shows "n/a", not zero).
#include <fmt/format.h>

#include <map>

#include "core/reports/html.hpp"
#include "core/reports/svg_chart.hpp"
#include "core/reports/weekly.hpp"

namespace bscbot::core::reports {

namespace {

using html::escape;

// Every UTC day of the period, "YYYY-MM-DD", oldest first.
std::vector<std::string> period_days(const WeeklyReport& r) {
  std::vector<std::string> days;
  const auto until = parse_sql_datetime(r.until);
  for (auto d = std::chrono::floor<std::chrono::days>(parse_sql_datetime(r.since)); d <= until; d += std::chrono::days(1)) {
    days.push_back(to_sql_datetime(d).substr(0, 10));
  }
  return days;
}

// `missing` is the value of a day with no figures at all: n/a for what the daemon samples, zero
// for what the trades table counts.
template <typename Value>
svg::BarChart per_day(const WeeklyReport& r, std::string id, std::string title, std::string unit, Value value,
                      std::optional<double> missing = std::nullopt) {
  std::map<std::string, const PeriodFigures*> by_label;
  for (const auto& d : r.days) by_label[d.label] = &d;
  svg::BarChart chart{std::move(id), std::move(title), std::move(unit), {}, std::nullopt};
  for (const auto& day : period_days(r)) {
    const auto it = by_label.find(day);
    chart.bars.push_back({day.substr(5), it == by_label.end() ? missing : value(*it->second)});
  }
  return chart;
}

std::optional<double> when_sampled(const PeriodFigures& f, double v) { return f.sampled_seconds > 0 ? std::optional<double>(v) : std::nullopt; }

}  // namespace

std::string render_weekly_html(const WeeklyReport& r, const config::Config& cfg) {
  std::string body = fmt::format("<header>\n<h1>Weekly Performance Report</h1>\n<p class=\"meta\">Period: {} to {} UTC; bscbotd's samples cover {} %.</p>\n</header>\n",
                                 escape(r.since), escape(r.until), checks::number_text(r.coverage_percent(), 1));
  body += "<section id=\"key-metrics\">\n<h2>Key metrics</h2>\n<table>\n<thead><tr><th>metric</th><th>this week</th><th>target</th><th>status</th></tr></thead>\n<tbody>\n";
  for (const auto& m : key_metrics(r, cfg)) {
    const auto css = m.status ? html::css_class(*m.status) : std::string_view("unknown");
    body += fmt::format("<tr class=\"metric\" data-status=\"{}\"><th>{}</th><td>{}</td><td>{}</td><td><span class=\"badge {}\">{}</span></td></tr>\n", css,
                        escape(m.metric), escape(m.value), escape(m.target), css, m.status ? checks::to_string(*m.status) : "no data");
  }
  body += "</tbody>\n</table>\n</section>\n";

  std::vector<svg::BarChart> charts;
  charts.push_back(per_day(r, "chart-requests", "Requests per day", "", [](const PeriodFigures& f) { return when_sampled(f, f.requests); }));
  charts.push_back(per_day(r, "chart-average", "Average response time", "ms", [](const PeriodFigures& f) { return f.average_ms(); }));
  charts.push_back(per_day(r, "chart-p95", "Response time P95", "ms", [](const PeriodFigures& f) { return f.request_p95_ms; }));
  auto success = per_day(r, "chart-success", "Trade success rate", "%", [](const PeriodFigures& f) { return f.trades.success_rate; });
  success.y_max = 100;
  charts.push_back(std::move(success));
  charts.push_back(per_day(r, "chart-trades", "Trades per day", "", [](const PeriodFigures& f) { return std::optional<double>(f.trades.total); }, 0.0));
  auto cache = per_day(r, "chart-cache", "Cache hit rate", "%", [](const PeriodFigures& f) { return f.cache_hit_percent(); });
  cache.y_max = 100;
  charts.push_back(std::move(cache));
  charts.push_back(per_day(r, "chart-query", "Database query P95", "ms", [](const PeriodFigures& f) { return f.query_p95_ms; }));
  charts.push_back(per_day(r, "chart-memory", "Peak memory (bscbotd)", "MiB",
                           [](const PeriodFigures& f) { return when_sampled(f, f.peak_rss_bytes / 1048576.0); }));
  body += "<section id=\"charts\">\n<h2>Per day (UTC)</h2>\n<div class=\"charts\">\n";
  for (const auto& c : charts) body += svg::render(c);
  body += "</div>\n</section>\n";

  const auto& t = r.total;
  body += fmt::format("<p class=\"meta\">Trades: {} ({} completed, {} failed, {} pending). Requests: {}; database queries: {}.</p>\n", t.trades.total,
                      t.trades.completed, t.trades.failed, t.trades.pending, checks::number_text(t.requests, 0), checks::number_text(t.queries, 0));
  if (!r.samples_table) {
    body += "<p class=\"reason\">This database has no metric_samples table: run <code>bscbot db migrate</code> and keep bscbotd running. Only the trade figures are shown.</p>\n";
  }
  body += "<footer>Written by <code>bscbot report weekly --html</code>; the Markdown form is <code>bscbot report weekly</code>.</footer>\n";
  return html::page({"Weekly Performance Report " + r.until.substr(0, 10), 0}, body);
}

}  // namespace bscbot::core::reports
