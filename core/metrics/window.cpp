#include "core/metrics/window.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

namespace bscbot::core::metrics {

Counters counters_from(const std::vector<Sample>& scrape) {
  Counters c;
  c.requests = histogram(scrape, "http_request_duration_seconds");
  c.queries = histogram(scrape, "db_query_duration_seconds");
  for (const Sample& s : scrape) {
    if (s.name != "http_requests_total") continue;
    const auto it = s.labels.find("status");
    if (it == s.labels.end()) continue;
    if (!it->second.empty() && it->second[0] == '5') c.errors_5xx += s.value;
    if (it->second == "401" || it->second == "403") c.unauthorized += s.value;
  }
  return c;
}

std::string bucket_name(std::string_view prefix, double bound) {
  return std::isinf(bound) ? fmt::format("{}+Inf", prefix) : fmt::format("{}{}", prefix, bound);
}

namespace {

double delta(double after, double before) { return after >= before ? after - before : after; }

void add_buckets(std::vector<NamedValue>& out, std::string_view prefix, const Histogram& window) {
  double previous = 0;
  for (const auto& [bound, cumulative] : window.buckets) {
    const double in_bucket = cumulative - previous;
    previous = cumulative;
    if (in_bucket > 0) out.push_back({bucket_name(prefix, bound), in_bucket});
  }
}

}  // namespace

std::vector<NamedValue> window_samples(const Counters& before, const Counters& after, double window_seconds,
                                       const Gauges& now) {
  // A restart resets every counter together: then the window starts at zero.
  const bool restarted = after.requests.count < before.requests.count || after.cpu_seconds < before.cpu_seconds;
  const Counters zero;
  const Counters& base = restarted ? zero : before;
  const Histogram requests = difference(after.requests, base.requests);
  const Histogram queries = difference(after.queries, base.queries);

  std::vector<NamedValue> out = {
      {std::string(sample::window_seconds), window_seconds},
      {std::string(sample::requests), requests.count},
      {std::string(sample::request_seconds), requests.sum},
      {std::string(sample::errors_5xx), delta(after.errors_5xx, base.errors_5xx)},
      {std::string(sample::unauthorized), delta(after.unauthorized, base.unauthorized)},
      {std::string(sample::queries), queries.count},
      {std::string(sample::cache_hits), delta(after.cache_hits, base.cache_hits)},
      {std::string(sample::cache_misses), delta(after.cache_misses, base.cache_misses)},
      {std::string(sample::cpu_seconds), delta(after.cpu_seconds, base.cpu_seconds)},
      {std::string(sample::rss_bytes), now.rss_bytes},
      {std::string(sample::ws_connections), now.ws_connections},
      {std::string(sample::trade_queue_length), now.trade_queue_length},
      {std::string(sample::db_file_bytes), now.db_file_bytes},
  };
  if (const auto p50 = quantile(requests, 0.5)) out.push_back({std::string(sample::request_p50_ms), *p50 * 1000});
  if (const auto p95 = quantile(requests, 0.95)) out.push_back({std::string(sample::request_p95_ms), *p95 * 1000});
  if (const auto p95 = quantile(queries, 0.95)) out.push_back({std::string(sample::query_p95_ms), *p95 * 1000});
  add_buckets(out, sample::request_bucket, requests);
  add_buckets(out, sample::query_bucket, queries);
  return out;
}

Histogram histogram_from_buckets(const std::vector<NamedValue>& sums, std::string_view prefix) {
  std::map<double, double> per_bucket;
  for (const NamedValue& v : sums) {
    if (v.name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string bound_text = v.name.substr(prefix.size());
    char* end = nullptr;
    const double bound = std::strtod(bound_text.c_str(), &end);
    if (bound_text.empty() || end != bound_text.c_str() + bound_text.size()) continue;
    per_bucket[bound] += v.value;
  }
  Histogram h;
  double cumulative = 0;
  for (const auto& [bound, n] : per_bucket) {
    cumulative += n;
    h.buckets.emplace_back(bound, cumulative);
  }
  h.count = cumulative;
  return h;
}

}  // namespace bscbot::core::metrics
