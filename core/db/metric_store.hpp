#pragma once
// Every query on `metric_samples`: the rows bscbotd records every few minutes (request counts,
// latency buckets, cache hits, memory, database size) so the weekly report and the growth
// check see a week even though the daemon forgets its counters on restart and logs rotate.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/metrics/window.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::db {

// One metric summed per UTC day.
struct DailyMetric {
  std::string day;          // "YYYY-MM-DD"
  std::string name;
  double sum = 0;
  double max = 0;
  std::int64_t samples = 0;
};

struct TimedValue {
  SystemTime sampled_at;
  double value = 0;
};

class MetricStore {
public:
  virtual ~MetricStore() = default;

  // False for a database migrated by a bscbot older than the samples table.
  virtual bool available() = 0;

  // Stores one window's rows under `sampled_at` in a single transaction.
  virtual void record(SystemTime sampled_at, const std::vector<metrics::NamedValue>& values) = 0;

  // Deletes rows sampled before `cutoff`; returns how many.
  virtual std::int64_t prune_older_than(SystemTime cutoff) = 0;

  // Every metric summed (and its largest row) per UTC day, for sampled_at in [since, until].
  virtual std::vector<DailyMetric> daily(SystemTime since, SystemTime until) = 0;

  // The oldest row of `name` sampled at or after `since`.
  virtual std::optional<TimedValue> first_since(const std::string& name, SystemTime since) = 0;

  // The newest row of `name`.
  virtual std::optional<TimedValue> latest(const std::string& name) = 0;

  // Every row of `name` sampled at or after `since`, oldest first, at most `max_rows`.
  virtual std::vector<TimedValue> series(const std::string& name, SystemTime since, int max_rows) = 0;
};

}  // namespace bscbot::core::db
