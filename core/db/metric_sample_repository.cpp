#include "core/db/metric_sample_repository.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

#include "core/error.hpp"

namespace bscbot::core::db {

MetricSampleRepository::MetricSampleRepository(SQLite::Database& db, QueryObserver observer)
    : m_db(db), m_observer(std::move(observer)) {}

template <typename F>
auto MetricSampleRepository::timed(std::string_view name, F&& f) {
  const auto start = std::chrono::steady_clock::now();
  try {
    auto result = f();
    if (m_observer) {
      m_observer(name, std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start));
    }
    return result;
  } catch (const SQLite::Exception& e) {
    throw Error(ErrorKind::database, fmt::format("query {} failed: {}", name, e.what()));
  }
}

bool MetricSampleRepository::available(SQLite::Database& db) {
  try {
    return db.tableExists("metric_samples");
  } catch (const SQLite::Exception&) {
    return false;
  }
}

void MetricSampleRepository::record(const std::string& sampled_at, const std::vector<metrics::NamedValue>& values) {
  timed("metric_samples.record", [&] {
    SQLite::Transaction tx(m_db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement q(m_db, "INSERT INTO metric_samples (sampled_at, name, value) VALUES (?, ?, ?)");
    for (const auto& v : values) {
      q.bind(1, sampled_at);
      q.bind(2, v.name);
      q.bind(3, v.value);
      q.exec();
      q.reset();
    }
    tx.commit();
    return 0;
  });
}

std::int64_t MetricSampleRepository::prune_older_than(const std::string& cutoff) {
  return timed("metric_samples.prune", [&] {
    SQLite::Statement q(m_db, "DELETE FROM metric_samples WHERE sampled_at < ?");
    q.bind(1, cutoff);
    return static_cast<std::int64_t>(q.exec());
  });
}

std::vector<DailyMetric> MetricSampleRepository::daily(const std::string& since, const std::string& until) {
  return timed("metric_samples.daily", [&] {
    SQLite::Statement q(m_db,
                        "SELECT substr(sampled_at, 1, 10) AS day, name, SUM(value), MAX(value), COUNT(*) "
                        "FROM metric_samples WHERE sampled_at >= ? AND sampled_at <= ? "
                        "GROUP BY day, name ORDER BY day, name");
    q.bind(1, since);
    q.bind(2, until);
    std::vector<DailyMetric> out;
    while (q.executeStep()) {
      out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getDouble(),
                     q.getColumn(3).getDouble(), q.getColumn(4).getInt64()});
    }
    return out;
  });
}

std::optional<TimedValue> MetricSampleRepository::first_since(const std::string& name, const std::string& since) {
  return timed("metric_samples.first_since", [&]() -> std::optional<TimedValue> {
    SQLite::Statement q(m_db,
                        "SELECT sampled_at, value FROM metric_samples WHERE name = ? AND sampled_at >= ? "
                        "ORDER BY sampled_at LIMIT 1");
    q.bind(1, name);
    q.bind(2, since);
    if (!q.executeStep()) return std::nullopt;
    return TimedValue{q.getColumn(0).getString(), q.getColumn(1).getDouble()};
  });
}

std::optional<TimedValue> MetricSampleRepository::latest(const std::string& name) {
  return timed("metric_samples.latest", [&]() -> std::optional<TimedValue> {
    SQLite::Statement q(m_db, "SELECT sampled_at, value FROM metric_samples WHERE name = ? ORDER BY sampled_at DESC LIMIT 1");
    q.bind(1, name);
    if (!q.executeStep()) return std::nullopt;
    return TimedValue{q.getColumn(0).getString(), q.getColumn(1).getDouble()};
  });
}

}  // namespace bscbot::core::db
