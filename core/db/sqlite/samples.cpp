// The SQLite store's metric samples.
#include <SQLiteCpp/Transaction.h>

#include "core/db/sqlite/store_impl.hpp"

namespace bscbot::core::db::sqlite {

bool Samples::available() {
  return m_run("metric_samples.available", [&](Connection& c) { return c.db().tableExists("metric_samples"); });
}

void Samples::record(SystemTime sampled_at, const std::vector<metrics::NamedValue>& values) {
  const std::string at = to_sql_datetime(sampled_at);
  m_run("metric_samples.record", [&](Connection& c) {
    SQLite::Transaction tx(c.db(), SQLite::TransactionBehavior::IMMEDIATE);
    {
      auto q = c.prepared("INSERT INTO metric_samples (sampled_at, name, value) VALUES (?, ?, ?)");
      for (const auto& v : values) {
        q->bind(1, at);
        q->bind(2, v.name);
        q->bind(3, v.value);
        q->exec();
        q->reset();
      }
    }
    tx.commit();
    return 0;
  });
}

std::int64_t Samples::prune_older_than(SystemTime cutoff) {
  return m_run("metric_samples.prune", [&](Connection& c) {
    auto q = c.prepared("DELETE FROM metric_samples WHERE sampled_at < ?");
    q->bind(1, to_sql_datetime(cutoff));
    return static_cast<std::int64_t>(q->exec());
  });
}

std::vector<DailyMetric> Samples::daily(SystemTime since, SystemTime until) {
  return m_run("metric_samples.daily", [&](Connection& c) {
    auto q = c.prepared(
        "SELECT substr(sampled_at, 1, 10) AS day, name, SUM(value), MAX(value), COUNT(*) "
        "FROM metric_samples WHERE sampled_at >= ? AND sampled_at <= ? GROUP BY day, name ORDER BY day, name");
    q->bind(1, to_sql_datetime(since));
    q->bind(2, to_sql_datetime(until));
    std::vector<DailyMetric> out;
    while (q->executeStep()) {
      out.push_back({q->getColumn(0).getString(), q->getColumn(1).getString(), q->getColumn(2).getDouble(), q->getColumn(3).getDouble(),
                     q->getColumn(4).getInt64()});
    }
    return out;
  });
}

std::optional<TimedValue> Samples::first_since(const std::string& name, SystemTime since) {
  return m_run("metric_samples.first_since", [&](Connection& c) -> std::optional<TimedValue> {
    auto q = c.prepared("SELECT sampled_at, value FROM metric_samples WHERE name = ? AND sampled_at >= ? ORDER BY sampled_at LIMIT 1");
    q->bind(1, name);
    q->bind(2, to_sql_datetime(since));
    if (!q->executeStep()) return std::nullopt;
    return TimedValue{read_time(q->getColumn(0)), q->getColumn(1).getDouble()};
  });
}

std::optional<TimedValue> Samples::latest(const std::string& name) {
  return m_run("metric_samples.latest", [&](Connection& c) -> std::optional<TimedValue> {
    auto q = c.prepared("SELECT sampled_at, value FROM metric_samples WHERE name = ? ORDER BY sampled_at DESC LIMIT 1");
    q->bind(1, name);
    if (!q->executeStep()) return std::nullopt;
    return TimedValue{read_time(q->getColumn(0)), q->getColumn(1).getDouble()};
  });
}

std::vector<TimedValue> Samples::series(const std::string& name, SystemTime since, int max_rows) {
  return m_run("metric_samples.series", [&](Connection& c) {
    auto q = c.prepared("SELECT sampled_at, value FROM metric_samples WHERE name = ? AND sampled_at >= ? ORDER BY sampled_at LIMIT ?");
    q->bind(1, name);
    q->bind(2, to_sql_datetime(since));
    q->bind(3, max_rows);
    std::vector<TimedValue> out;
    while (q->executeStep()) out.push_back({read_time(q->getColumn(0)), q->getColumn(1).getDouble()});
    return out;
  });
}

}  // namespace bscbot::core::db::sqlite
