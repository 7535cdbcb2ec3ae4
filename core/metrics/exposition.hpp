#pragma once
// Reading the daemon's Prometheus text exposition back: `bscbot health` scrapes /api/metrics and
// the daemon's sampler reads its own registry the same way, so both compute request latency,
// error rate and query P95 with one set of rules.
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bscbot::core::metrics {

struct Sample {
  std::string name;                           // e.g. "http_requests_total"
  std::map<std::string, std::string> labels;  // e.g. {"status": "200"}
  double value = 0;
};

// Parses the text format (version 0.0.4): comment and blank lines are skipped, label values
// unescaped. Lines that are not samples are skipped rather than thrown on, because a scrape
// of a newer daemon may carry shapes this build does not know.
std::vector<Sample> parse_exposition(std::string_view text);

// A histogram as cumulative buckets: (upper bound, observations at or below it), sorted by
// bound, the last one +Inf; plus the sum and count of observations.
struct Histogram {
  std::vector<std::pair<double, double>> buckets;
  double sum = 0;
  double count = 0;
};

// The histogram `family` (without the _bucket suffix), summed over every label set, e.g. all
// routes of http_request_duration_seconds. Empty when the family is absent.
Histogram histogram(const std::vector<Sample>& samples, std::string_view family);

// Observations that fell into each bucket between `before` and `after` (the daemon's
// counters only grow, so this is the window's own histogram).
Histogram difference(const Histogram& after, const Histogram& before);

// Adds `more` into `into` bucket by bucket (bounds are merged).
void accumulate(Histogram& into, const Histogram& more);

// The `q` quantile (0..1) with Prometheus' histogram_quantile() rules: linear interpolation
// inside the bucket, the highest finite bound when the rank falls into +Inf. Nullopt without
// observations.
std::optional<double> quantile(const Histogram& h, double q);

// Sum of every sample named `name` whose labels satisfy `match` (all samples when empty).
double sum(const std::vector<Sample>& samples, std::string_view name,
           const std::map<std::string, std::string>& match = {});

// The value of the first sample named `name`, if any.
std::optional<double> value(const std::vector<Sample>& samples, std::string_view name);

// Names of every metric family in `samples` (histogram and summary suffixes kept as they
// appear: _bucket, _sum, _count).
std::vector<std::string> names(const std::vector<Sample>& samples);

inline constexpr double k_inf = std::numeric_limits<double>::infinity();

}  // namespace bscbot::core::metrics
