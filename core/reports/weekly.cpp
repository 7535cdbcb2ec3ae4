#include "core/reports/weekly.hpp"

#include <fmt/format.h>

#include <map>

#include "core/checks/status.hpp"
#include "core/metrics/window.hpp"

namespace bscbot::core::reports {

namespace sample = metrics::sample;
using checks::Levels;
using checks::Status;

std::optional<double> PeriodFigures::average_ms() const {
  return requests > 0 ? std::optional<double>(request_seconds / requests * 1000.0) : std::nullopt;
}
std::optional<double> PeriodFigures::error_rate_percent() const {
  return requests > 0 ? std::optional<double>(errors_5xx * 100.0 / requests) : std::nullopt;
}
std::optional<double> PeriodFigures::cache_hit_percent() const {
  const double lookups = cache_hits + cache_misses;
  return lookups > 0 ? std::optional<double>(cache_hits * 100.0 / lookups) : std::nullopt;
}
std::optional<double> PeriodFigures::cpu_percent() const {
  return sampled_seconds > 0 ? std::optional<double>(cpu_seconds * 100.0 / sampled_seconds) : std::nullopt;
}

namespace {

// Adds one metric's daily sum into the figures; buckets are kept aside for the percentiles.
void add(PeriodFigures& f, const db::DailyMetric& m, std::vector<metrics::NamedValue>& buckets) {
  const std::string_view n = m.name;
  if (n == sample::requests) f.requests += m.sum;
  else if (n == sample::request_seconds) f.request_seconds += m.sum;
  else if (n == sample::errors_5xx) f.errors_5xx += m.sum;
  else if (n == sample::unauthorized) f.unauthorized += m.sum;
  else if (n == sample::queries) f.queries += m.sum;
  else if (n == sample::cache_hits) f.cache_hits += m.sum;
  else if (n == sample::cache_misses) f.cache_misses += m.sum;
  else if (n == sample::cpu_seconds) f.cpu_seconds += m.sum;
  else if (n == sample::window_seconds) f.sampled_seconds += m.sum;
  else if (n == sample::rss_bytes) f.peak_rss_bytes = std::max(f.peak_rss_bytes, m.max);
  else if (n == sample::ws_connections) f.peak_ws_connections = std::max(f.peak_ws_connections, m.max);
  else if (n.substr(0, sample::request_bucket.size()) == sample::request_bucket ||
           n.substr(0, sample::query_bucket.size()) == sample::query_bucket) {
    buckets.push_back({m.name, m.sum});
  }
}

void percentiles(PeriodFigures& f, const std::vector<metrics::NamedValue>& buckets) {
  const auto requests = metrics::histogram_from_buckets(buckets, sample::request_bucket);
  const auto queries = metrics::histogram_from_buckets(buckets, sample::query_bucket);
  if (const auto p = metrics::quantile(requests, 0.5)) f.request_p50_ms = *p * 1000;
  if (const auto p = metrics::quantile(requests, 0.95)) f.request_p95_ms = *p * 1000;
  if (const auto p = metrics::quantile(queries, 0.95)) f.query_p95_ms = *p * 1000;
}

// Adds the counts of `more` into `into` (success rate recomputed; averages are not summed).
void add_counts(db::TradeStats& into, const db::TradeStats& more) {
  into.total += more.total;
  into.completed += more.completed;
  into.failed += more.failed;
  into.pending += more.pending;
  into.success_rate.reset();
  db::trade_rules::derive_success_rate(into);
}

std::string day_of(SystemTime t) { return to_sql_datetime(t).substr(0, 10); }

}  // namespace

WeeklyReport build_weekly(db::Store& store, SystemTime until, int days) {
  WeeklyReport r;
  const SystemTime since = until - std::chrono::hours(24) * days;
  r.since = to_sql_datetime(since);
  r.until = to_sql_datetime(until);
  r.period_seconds = std::chrono::duration<double>(until - since).count();
  r.total.label = "week";

  // The UTC days the period touches, first and last partial.
  std::vector<std::string> labels;
  for (SystemTime t = since; day_of(t) <= day_of(until); t += std::chrono::hours(24)) {
    if (labels.empty() || labels.back() != day_of(t)) labels.push_back(day_of(t));
  }
  if (labels.back() != day_of(until)) labels.push_back(day_of(until));
  std::map<std::string, PeriodFigures> by_day;
  std::map<std::string, std::vector<metrics::NamedValue>> day_buckets;
  for (const auto& l : labels) by_day[l].label = l;

  std::vector<metrics::NamedValue> all_buckets;
  r.samples_table = store.samples().available();
  if (r.samples_table) {
    for (const auto& m : store.samples().daily(since, until)) {
      auto& day = by_day[m.day];
      day.label = m.day;
      add(day, m, day_buckets[m.day]);
      add(r.total, m, all_buckets);
    }
  }

  // Trades per UTC day of the period (a trade made at 00:00:00 is that day's).
  for (const auto& d : store.trades().daily(since, until)) {
    auto& day = by_day[d.day];
    day.label = d.day;
    add_counts(day.trades, d.stats);
    add_counts(r.total.trades, d.stats);
  }
  r.gas_fee_avg_wei = store.trades().stats(since).avg_gas_fee_wei;

  for (auto& [label, figures] : by_day) {
    percentiles(figures, day_buckets[label]);
    r.days.push_back(figures);
  }
  percentiles(r.total, all_buckets);
  return r;
}

namespace {

std::string ms(const std::optional<double>& v) { return v ? checks::number_text(*v, 2) + " ms" : "-"; }
std::string pct(const std::optional<double>& v) { return v ? checks::number_text(*v, 1) + " %" : "-"; }

std::string status_text(const std::optional<Status>& s) { return s ? std::string(checks::to_string(*s)) : "no data"; }

// The verdict of a weekly figure, none without data.
std::optional<Status> judge(const std::optional<double>& v, Levels levels, bool more_is_worse) {
  if (!v.has_value()) return std::nullopt;
  const double x = v.value();
  return more_is_worse ? checks::rising(x, levels) : checks::falling(x, levels);
}

}  // namespace

std::vector<KeyMetric> key_metrics(const WeeklyReport& r, const config::Config& cfg) {
  const auto& t = r.total;
  const Levels response{cfg.number("RESPONSE_TIME_WARN_MS"), cfg.number("RESPONSE_TIME_CRIT_MS")};
  const Levels success{cfg.number("SUCCESS_RATE_WARN_PCT"), cfg.number("SUCCESS_RATE_CRIT_PCT")};
  const Levels query{cfg.number("DB_QUERY_P95_WARN_MS"), cfg.number("DB_QUERY_P95_CRIT_MS")};
  const Levels cache{cfg.number("CACHE_HIT_RATE_WARN_PCT"), cfg.number("CACHE_HIT_RATE_CRIT_PCT")};
  const Levels errors{cfg.number("ERROR_RATE_WARN_PCT"), cfg.number("ERROR_RATE_CRIT_PCT")};
  const Levels unauthorized{cfg.number("UNAUTHORIZED_WARN"), cfg.number("UNAUTHORIZED_CRIT")};
  const Levels memory{cfg.number("MEMORY_WARN_MB"), cfg.number("MEMORY_CRIT_MB")};
  const Levels cpu{cfg.number("CPU_WARN_PCT"), cfg.number("CPU_CRIT_PCT")};
  auto rising = [](const std::optional<double>& v, Levels l) { return judge(v, l, true); };
  auto falling = [](const std::optional<double>& v, Levels l) { return judge(v, l, false); };
  std::optional<double> rss_mb, unauthorized_count;
  if (t.peak_rss_bytes > 0) rss_mb = t.peak_rss_bytes / 1048576.0;
  if (t.sampled_seconds > 0) unauthorized_count = t.unauthorized;

  return {
      {"Average response time", ms(t.average_ms()), fmt::format("< {} ms", checks::number_text(response.warn)), rising(t.average_ms(), response)},
      {"Response time P95", ms(t.request_p95_ms), fmt::format("< {} ms", checks::number_text(response.warn)), rising(t.request_p95_ms, response)},
      {"Trade success rate", t.trades.success_rate ? fmt::format("{} ({} of {} trades)", pct(t.trades.success_rate), t.trades.completed, t.trades.total) : "-",
       fmt::format("> {} %", checks::number_text(success.warn)), falling(t.trades.success_rate, success)},
      {"Database query P95", ms(t.query_p95_ms), fmt::format("< {} ms", checks::number_text(query.warn)), rising(t.query_p95_ms, query)},
      {"Cache hit rate", pct(t.cache_hit_percent()), fmt::format("> {} %", checks::number_text(cache.warn)), falling(t.cache_hit_percent(), cache)},
      {"Error rate (5xx)", pct(t.error_rate_percent()), fmt::format("< {} %", checks::number_text(errors.warn)), rising(t.error_rate_percent(), errors)},
      {"Unauthorized (401/403)", unauthorized_count ? checks::number_text(*unauthorized_count, 0) : "-", fmt::format("< {}", checks::number_text(unauthorized.warn)),
       rising(unauthorized_count, unauthorized)},
      {"Peak memory (bscbotd)", rss_mb ? checks::number_text(*rss_mb, 1) + " MB" : "-", fmt::format("< {} MB", checks::number_text(memory.warn)), rising(rss_mb, memory)},
      {"Average CPU (bscbotd)", pct(t.cpu_percent()), fmt::format("< {} %", checks::number_text(cpu.warn)), rising(t.cpu_percent(), cpu)},
  };
}

std::string render_weekly(const WeeklyReport& r, const config::Config& cfg) {
  const auto& t = r.total;
  const std::vector<KeyMetric> rows = key_metrics(r, cfg);
  std::string md;
  md += "# Weekly Performance Report\n";
  md += fmt::format("Period: {} to {} UTC\n\n", r.since, r.until);
  md += "## Key metrics\n| Metric | This week | Target | Status |\n|---|---|---|---|\n";
  for (const auto& row : rows) md += fmt::format("| {} | {} | {} | {} |\n", row.metric, row.value, row.target, status_text(row.status));
  md += fmt::format("\nRequests: {} ({} per hour on average); database queries: {}; peak WebSocket clients: {}; average gas fee: {}.\n",
                    checks::number_text(t.requests, 0),
                    checks::number_text(t.sampled_seconds > 0 ? t.requests * 3600.0 / t.sampled_seconds : 0, 1),
                    checks::number_text(t.queries, 0), checks::number_text(t.peak_ws_connections, 0),
                    r.gas_fee_avg_wei ? fmt::format("{:.6g} BNB", *r.gas_fee_avg_wei / 1e18) : std::string("-"));
  md += fmt::format("Trades: {} ({} completed, {} failed, {} pending).\n", t.trades.total, t.trades.completed, t.trades.failed, t.trades.pending);

  md += "\n## Per day (UTC)\n| Day | Requests | Avg | P95 | 5xx | Cache hits | DB P95 | Trades | Success |\n|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& d : r.days) {
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", d.label, checks::number_text(d.requests, 0), ms(d.average_ms()),
                      ms(d.request_p95_ms), pct(d.error_rate_percent()), pct(d.cache_hit_percent()), ms(d.query_p95_ms), d.trades.total,
                      pct(d.trades.success_rate));
  }

  md += "\n## Coverage\n";
  if (!r.samples_table) {
    md += "This database has no metric_samples table (migrated by an older bscbot): run `bscbot db migrate` and keep bscbotd running. "
          "Only the trade figures are shown.\n";
  } else {
    md += fmt::format(
        "bscbotd's samples cover {} of the period ({} of {}). Request, latency, cache and CPU figures come from them; time "
        "when bscbotd was not running has none. Percentiles are interpolated within the daemon's latency buckets.\n",
        pct(r.coverage_percent()), format_duration(std::chrono::milliseconds(static_cast<long long>(t.sampled_seconds * 1000))),
        format_duration(std::chrono::milliseconds(static_cast<long long>(r.period_seconds * 1000))));
  }
  return md;
}

nlohmann::json to_json(const WeeklyReport& r) {
  auto opt = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  auto figures = [&](const PeriodFigures& f) {
    return nlohmann::json{{"label", f.label},
                          {"requests", f.requests},
                          {"average_ms", opt(f.average_ms())},
                          {"p50_ms", opt(f.request_p50_ms)},
                          {"p95_ms", opt(f.request_p95_ms)},
                          {"errors_5xx", f.errors_5xx},
                          {"error_rate_percent", opt(f.error_rate_percent())},
                          {"unauthorized", f.unauthorized},
                          {"queries", f.queries},
                          {"query_p95_ms", opt(f.query_p95_ms)},
                          {"cache_hits", f.cache_hits},
                          {"cache_misses", f.cache_misses},
                          {"cache_hit_percent", opt(f.cache_hit_percent())},
                          {"cpu_percent", opt(f.cpu_percent())},
                          {"peak_rss_bytes", f.peak_rss_bytes},
                          {"peak_ws_connections", f.peak_ws_connections},
                          {"sampled_seconds", f.sampled_seconds},
                          {"trades",
                           {{"total", f.trades.total},
                            {"completed", f.trades.completed},
                            {"failed", f.trades.failed},
                            {"pending", f.trades.pending},
                            {"success_rate", opt(f.trades.success_rate)}}}};
  };
  nlohmann::json days = nlohmann::json::array();
  for (const auto& d : r.days) days.push_back(figures(d));
  return {{"since", r.since},       {"until", r.until}, {"coverage_percent", r.coverage_percent()}, {"samples_table", r.samples_table},
          {"total", figures(r.total)}, {"days", days},   {"gas_fee_avg_wei", opt(r.gas_fee_avg_wei)}};
}

}  // namespace bscbot::core::reports
