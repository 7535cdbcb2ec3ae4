#pragma once
// Every query on `metric_samples`: the rows bscbotd records every few minutes (request counts,
// latency buckets, cache hits, memory, database size) so the weekly report and the growth
// check see a week even though the daemon forgets its counters on restart and logs rotate.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/db/trade_repository.hpp"
#include "core/metrics/window.hpp"

namespace SQLite {
class Database;
}

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
  std::string sampled_at;   // SQL datetime text, UTC
  double value = 0;
};

class MetricSampleRepository {
public:
  explicit MetricSampleRepository(SQLite::Database& db, QueryObserver observer = {});

  // Stores one window's rows under `sampled_at` in a single transaction.
  void record(const std::string& sampled_at, const std::vector<metrics::NamedValue>& values);

  // Deletes rows sampled before `cutoff`; returns how many.
  std::int64_t prune_older_than(const std::string& cutoff);

  // Every metric summed (and its largest row) per UTC day, for sampled_at in [since, until].
  std::vector<DailyMetric> daily(const std::string& since, const std::string& until);

  // The oldest row of `name` sampled at or after `since`.
  std::optional<TimedValue> first_since(const std::string& name, const std::string& since);

  // The newest row of `name`.
  std::optional<TimedValue> latest(const std::string& name);

  // False for a database migrated by a bscbot older than the samples table.
  static bool available(SQLite::Database& db);

private:
  template <typename F>
  auto timed(std::string_view name, F&& f);

  SQLite::Database& m_db;
  QueryObserver m_observer;
};

}  // namespace bscbot::core::db
