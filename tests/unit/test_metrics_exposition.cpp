#include <doctest/doctest.h>

#include <cmath>

#include "core/metrics/exposition.hpp"
#include "core/metrics/window.hpp"

using namespace bscbot::core::metrics;

namespace {

// Two routes of one histogram, as prometheus-cpp's TextSerializer writes them.
const char* k_scrape = R"(# HELP http_requests_total HTTP requests answered
# TYPE http_requests_total counter
http_requests_total{method="GET",route="/api/health",status="200"} 90
http_requests_total{method="GET",route="/api/v1/trading/history",status="500"} 6
http_requests_total{method="GET",route="/api/v1/trading/history",status="401"} 3
http_requests_total{method="POST",route="unmatched",status="403"} 1
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_count{method="GET",route="/api/health"} 60
http_request_duration_seconds_sum{method="GET",route="/api/health"} 0.06
http_request_duration_seconds_bucket{method="GET",route="/api/health",le="0.001"} 50
http_request_duration_seconds_bucket{method="GET",route="/api/health",le="0.01"} 60
http_request_duration_seconds_bucket{method="GET",route="/api/health",le="+Inf"} 60
http_request_duration_seconds_count{method="GET",route="/x"} 40
http_request_duration_seconds_sum{method="GET",route="/x"} 2.5
http_request_duration_seconds_bucket{method="GET",route="/x",le="0.001"} 0
http_request_duration_seconds_bucket{method="GET",route="/x",le="0.01"} 20
http_request_duration_seconds_bucket{method="GET",route="/x",le="+Inf"} 40
process_resident_memory_bytes 1.5e+07
weird{label="a \"quoted\" \\ value"} 1
not a sample line
cache_hit_rate NaN
)";

}  // namespace

TEST_CASE("metrics: the exposition parses into samples with labels, skipping what is not a sample") {
  const auto samples = parse_exposition(k_scrape);
  CHECK(value(samples, "process_resident_memory_bytes") == doctest::Approx(15e6));
  CHECK(sum(samples, "http_requests_total") == doctest::Approx(100));
  CHECK(sum(samples, "http_requests_total", {{"status", "500"}}) == doctest::Approx(6));
  bool found = false;
  for (const auto& s : samples) {
    if (s.name == "weird") {
      CHECK(s.labels.at("label") == "a \"quoted\" \\ value");
      found = true;
    }
  }
  CHECK(found);
  CHECK(std::isnan(*value(samples, "cache_hit_rate")));
  CHECK_FALSE(value(samples, "not").has_value());
}

TEST_CASE("metrics: a histogram is summed over label sets and its quantile follows histogram_quantile") {
  const auto h = histogram(parse_exposition(k_scrape), "http_request_duration_seconds");
  REQUIRE(h.buckets.size() == 3);
  CHECK(h.buckets[0].second == 50);
  CHECK(h.buckets[1].second == 80);
  CHECK(std::isinf(h.buckets[2].first));
  CHECK(h.buckets[2].second == 100);
  CHECK(h.count == 100);
  CHECK(h.sum == doctest::Approx(2.56));
  // Rank 50 is the whole first bucket: its upper bound.
  CHECK(*quantile(h, 0.5) == doctest::Approx(0.001));
  // Rank 75 lies 25/30 of the way through (0.001, 0.01].
  CHECK(*quantile(h, 0.75) == doctest::Approx(0.001 + 0.009 * 25.0 / 30.0));
  // Rank 95 falls into +Inf: the highest finite bound, as Prometheus answers.
  CHECK(*quantile(h, 0.95) == doctest::Approx(0.01));
  CHECK_FALSE(quantile(Histogram{}, 0.95).has_value());
  CHECK_FALSE(quantile(histogram({}, "absent"), 0.5).has_value());
}

TEST_CASE("metrics: counters of a scrape separate 5xx from 401/403 answers") {
  const Counters c = counters_from(parse_exposition(k_scrape));
  CHECK(c.errors_5xx == 6);
  CHECK(c.unauthorized == 4);
  CHECK(c.requests.count == 100);
}

TEST_CASE("metrics: a window is the difference of two readings, buckets sparse, restarts counted from zero") {
  Counters before, after;
  before.requests = Histogram{{{0.001, 10}, {0.01, 10}, {k_inf, 10}}, 0.005, 10};
  after.requests = Histogram{{{0.001, 15}, {0.01, 20}, {k_inf, 21}}, 0.2, 21};
  before.errors_5xx = 1;
  after.errors_5xx = 3;
  before.cpu_seconds = 1;
  after.cpu_seconds = 1.5;
  after.cache_hits = 7;
  const auto rows = window_samples(before, after, 300, Gauges{1e6, 2, 0, 4096});
  auto get = [&](std::string_view name) -> std::optional<double> {
    for (const auto& r : rows) {
      if (r.name == name) return r.value;
    }
    return std::nullopt;
  };
  CHECK(get(sample::window_seconds) == 300);
  CHECK(get(sample::requests) == 11);
  CHECK(*get(sample::request_seconds) == doctest::Approx(0.195));
  CHECK(get(sample::errors_5xx) == 2);
  CHECK(*get(sample::cpu_seconds) == doctest::Approx(0.5));
  CHECK(get(sample::cache_hits) == 7);
  CHECK(get(sample::rss_bytes) == 1e6);
  CHECK(get(sample::db_file_bytes) == 4096);
  CHECK(get("request_bucket:0.001") == 5);
  CHECK(get("request_bucket:0.01") == 5);
  CHECK(get("request_bucket:+Inf") == 1);
  CHECK(get(sample::request_p95_ms).has_value());
  CHECK_FALSE(get(sample::query_p95_ms).has_value());  // no queries in the window

  // The daemon restarted: its counters are below the last reading, so the window is all of them.
  Counters restarted;
  restarted.requests = Histogram{{{0.001, 2}, {k_inf, 2}}, 0.001, 2};
  restarted.cpu_seconds = 0.1;
  const auto after_restart = window_samples(after, restarted, 60, Gauges{});
  bool saw = false;
  for (const auto& r : after_restart) {
    if (r.name == sample::requests) {
      CHECK(r.value == 2);
      saw = true;
    }
  }
  CHECK(saw);
}

TEST_CASE("metrics: stored bucket sums rebuild a histogram with the same quantiles") {
  const Histogram original{{{0.0005, 3}, {0.001, 10}, {0.25, 90}, {k_inf, 100}}, 5, 100};
  Counters after;
  after.requests = original;
  const auto rows = window_samples(Counters{}, after, 1, Gauges{});
  // Two windows of the same shape, added up by name as the weekly report does.
  std::vector<NamedValue> summed;
  for (const auto& r : rows) summed.push_back({r.name, r.value * 2});
  const Histogram rebuilt = histogram_from_buckets(summed, sample::request_bucket);
  CHECK(rebuilt.count == 200);
  CHECK(*quantile(rebuilt, 0.95) == doctest::Approx(*quantile(original, 0.95)));
  CHECK(*quantile(rebuilt, 0.5) == doctest::Approx(*quantile(original, 0.5)));
  CHECK(bucket_name(sample::query_bucket, 2.5) == "query_bucket:2.5");
}

TEST_CASE("metrics: accumulate and difference merge different bucket bounds") {
  Histogram a{{{0.1, 1}, {k_inf, 2}}, 1, 2};
  const Histogram b{{{0.2, 3}, {k_inf, 3}}, 1, 3};
  accumulate(a, b);
  REQUIRE(a.buckets.size() == 3);
  CHECK(a.buckets[0].second == 1);  // at 0.1: 1 + 0
  CHECK(a.buckets[1].second == 4);  // at 0.2: 1 + 3
  CHECK(a.buckets[2].second == 5);
  CHECK(difference(a, b).count == 2);
}
