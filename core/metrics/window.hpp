#pragma once
// One sampling window of the daemon: what happened between two readings of its cumulative
// counters, as the rows bscbotd stores in metric_samples every METRIC_SAMPLE_INTERVAL_S. The
// weekly report adds the windows up again, so counters lost on a restart or a rotated log do
// not take the week's numbers with them.
#include <string>
#include <string_view>
#include <vector>

#include "core/metrics/exposition.hpp"

namespace bscbot::core::metrics {

// Names of the stored samples. Counts are per window; gauges are the value at the window's end.
namespace sample {
inline constexpr std::string_view window_seconds = "window_seconds";      // length of the window
inline constexpr std::string_view requests = "requests";                  // HTTP requests answered
inline constexpr std::string_view request_seconds = "request_seconds";    // their summed duration
inline constexpr std::string_view errors_5xx = "errors_5xx";              // answers with status 5xx
inline constexpr std::string_view unauthorized = "unauthorized";          // answers 401 or 403
inline constexpr std::string_view request_p50_ms = "request_p50_ms";      // the window's median
inline constexpr std::string_view request_p95_ms = "request_p95_ms";
inline constexpr std::string_view queries = "queries";                    // database queries
inline constexpr std::string_view query_p95_ms = "query_p95_ms";
inline constexpr std::string_view cache_hits = "cache_hits";
inline constexpr std::string_view cache_misses = "cache_misses";
inline constexpr std::string_view cpu_seconds = "cpu_seconds";            // CPU time bscbotd used
inline constexpr std::string_view rss_bytes = "rss_bytes";                // gauge
inline constexpr std::string_view ws_connections = "ws_connections";      // gauge
inline constexpr std::string_view trade_queue_length = "trade_queue_length";  // gauge
inline constexpr std::string_view db_file_bytes = "db_file_bytes";        // gauge: database + WAL
// Per-bucket (not cumulative) observation counts, e.g. "request_bucket:0.005"; zero buckets
// are not stored.
inline constexpr std::string_view request_bucket = "request_bucket:";
inline constexpr std::string_view query_bucket = "query_bucket:";
}  // namespace sample

// The daemon's cumulative counters at one instant; all start at zero when bscbotd starts.
struct Counters {
  Histogram requests;   // http_request_duration_seconds over every route
  Histogram queries;    // db_query_duration_seconds over every query
  double errors_5xx = 0;
  double unauthorized = 0;
  double cpu_seconds = 0;
  double cache_hits = 0;
  double cache_misses = 0;
};

// Reads the request and query counters from a scrape of /api/metrics (the caller fills in
// CPU time and cache counts, which it reads from their owners).
Counters counters_from(const std::vector<Sample>& scrape);

// Gauges as they stand at the end of a window.
struct Gauges {
  double rss_bytes = 0;
  double ws_connections = 0;
  double trade_queue_length = 0;
  double db_file_bytes = 0;
};

struct NamedValue {
  std::string name;
  double value = 0;
};

// The rows one window contributes. A counter that went backwards (the daemon restarted
// between readings) counts from zero.
std::vector<NamedValue> window_samples(const Counters& before, const Counters& after, double window_seconds,
                                       const Gauges& now);

// "request_bucket:0.005" for a bound; the bound back from such a name.
std::string bucket_name(std::string_view prefix, double bound);

// Rebuilds a cumulative histogram from per-bucket sums named `prefix`<bound>; other names
// are ignored.
Histogram histogram_from_buckets(const std::vector<NamedValue>& sums, std::string_view prefix);

}  // namespace bscbot::core::metrics
