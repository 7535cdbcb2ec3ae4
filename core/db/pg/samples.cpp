// The PostgreSQL store's metric samples.
#include "core/db/pg/store_impl.hpp"

namespace bscbot::core::db::pg {

bool Samples::available() {
  return m_run("metric_samples.available", Retry::safe, [&](Connection& c) {
    return !c.exec("SELECT to_regclass('metric_samples')").is_null(0, 0);
  });
}

void Samples::record(SystemTime sampled_at, const std::vector<metrics::NamedValue>& values) {
  if (values.empty()) return;
  // One statement for the whole window: the rows are committed together or not at all.
  std::string name_array = "{", value_array = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::string quoted = "\"";
    for (const char ch : values[i].name) {
      if (ch == '"' || ch == '\\') quoted += '\\';
      quoted += ch;
    }
    quoted += '"';
    if (i) {
      name_array += ',';
      value_array += ',';
    }
    name_array += quoted;
    value_array += fmt::format("{}", values[i].value);
  }
  name_array += "}";
  value_array += "}";
  m_run("metric_samples.record", Retry::no, [&](Connection& c) {
    c.exec("INSERT INTO metric_samples (sampled_at, name, value) SELECT $1::timestamptz, n, v FROM unnest($2::text[], $3::float8[]) AS u(n, v)",
           {Param::of(sampled_at), Param::of(name_array), Param::of(value_array)});
    return 0;
  });
}

std::int64_t Samples::prune_older_than(SystemTime cutoff) {
  return m_run("metric_samples.prune", Retry::safe, [&](Connection& c) {
    return c.exec("DELETE FROM metric_samples WHERE sampled_at < $1", {Param::of(cutoff)}).affected();
  });
}

std::vector<DailyMetric> Samples::daily(SystemTime since, SystemTime until) {
  return m_run("metric_samples.daily", Retry::safe, [&](Connection& c) {
    const Result r = c.exec(
        "SELECT to_char(sampled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, name, SUM(value), MAX(value), COUNT(*) "
        "FROM metric_samples WHERE sampled_at >= $1 AND sampled_at <= $2 GROUP BY day, name ORDER BY day, name",
        {Param::of(since), Param::of(until)});
    std::vector<DailyMetric> out;
    for (int i = 0; i < r.rows(); ++i) {
      out.push_back({std::string(r.text(i, 0)), std::string(r.text(i, 1)), r.number(i, 2), r.number(i, 3), r.integer(i, 4)});
    }
    return out;
  });
}

std::optional<TimedValue> Samples::first_since(const std::string& name, SystemTime since) {
  static const std::string sql =
      fmt::format("SELECT {}, value FROM metric_samples WHERE name = $1 AND sampled_at >= $2 ORDER BY sampled_at LIMIT 1", epoch_us("sampled_at"));
  return m_run("metric_samples.first_since", Retry::safe, [&](Connection& c) -> std::optional<TimedValue> {
    const Result r = c.exec(sql, {Param::of(name), Param::of(since)});
    if (r.rows() == 0) return std::nullopt;
    return TimedValue{r.time(0, 0), r.number(0, 1)};
  });
}

std::optional<TimedValue> Samples::latest(const std::string& name) {
  static const std::string sql =
      fmt::format("SELECT {}, value FROM metric_samples WHERE name = $1 ORDER BY sampled_at DESC LIMIT 1", epoch_us("sampled_at"));
  return m_run("metric_samples.latest", Retry::safe, [&](Connection& c) -> std::optional<TimedValue> {
    const Result r = c.exec(sql, {Param::of(name)});
    if (r.rows() == 0) return std::nullopt;
    return TimedValue{r.time(0, 0), r.number(0, 1)};
  });
}

std::vector<TimedValue> Samples::series(const std::string& name, SystemTime since, int max_rows) {
  static const std::string sql =
      fmt::format("SELECT {}, value FROM metric_samples WHERE name = $1 AND sampled_at >= $2 ORDER BY sampled_at LIMIT $3", epoch_us("sampled_at"));
  return m_run("metric_samples.series", Retry::safe, [&](Connection& c) {
    const Result r = c.exec(sql, {Param::of(name), Param::of(since), Param::of(max_rows)});
    std::vector<TimedValue> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back({r.time(i, 0), r.number(i, 1)});
    return out;
  });
}

}  // namespace bscbot::core::db::pg
