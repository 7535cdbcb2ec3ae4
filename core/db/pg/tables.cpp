// The PostgreSQL store's whole-table reader and writer (bscbot db copy).
#include "core/db/pg/store_impl.hpp"

namespace bscbot::core::db::pg {

namespace {

std::string column_list(const TableSpec& t) {
  std::string s;
  for (const Column& c : t.columns) s += (s.empty() ? "" : ", ") + std::string(c.name);
  return s;
}

// Times leave as epoch microseconds, read exactly whatever the session's DateStyle.
std::string select_list(const TableSpec& t) {
  std::string s;
  for (const Column& c : t.columns) s += (s.empty() ? "" : ", ") + (c.type == ColumnType::time ? epoch_us(c.name) : std::string(c.name));
  return s;
}

Cell read_cell(const Result& r, int row, int col, const Column& c) {
  if (r.is_null(row, col)) return std::nullopt;
  switch (c.type) {
    case ColumnType::time: return to_sql_datetime(r.time(row, col));
    case ColumnType::real: return canonical_real(r.number(row, col));
    case ColumnType::wei: return r.wei(row, col, c.name).decimal();
    case ColumnType::integer:
    case ColumnType::text: return std::string(r.text(row, col));
  }
  return std::string(r.text(row, col));
}

Param param_of(const Cell& cell, ColumnType type) {
  if (!cell) return Param::null();
  if (type == ColumnType::time) return Param::of(parse_sql_datetime(*cell));
  return Param::of(*cell);
}

class Tables final : public TableWriter {
  // Runs `f`, naming the table in any failure.
  template <typename F>
  auto run(std::string_view what, F&& f) {
    try {
      return f();
    } catch (const FailureError& e) {
      if (e.failure().connection_lost) m_lease.discard();
      throw Error(e.failure().connection_lost ? ErrorKind::unavailable : ErrorKind::database,
                  fmt::format("copying {} in PostgreSQL {}: {}", what, m_location, e.failure().message));
    }
  }
public:
  Tables(PgPool& pool, bool write, std::string location) : m_lease(pool.acquire()), m_location(std::move(location)) {
    run("begin", [&] { c().run(write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); });
  }
  ~Tables() override {
    if (m_done) return;
    try {
      c().run("ROLLBACK");
    } catch (const FailureError&) {
      m_lease.discard();
    }
  }

  std::int64_t count(const TableSpec& t) override {
    return run(t.name, [&] { return c().exec(fmt::format("SELECT COUNT(*) FROM {}", t.name)).integer(0, 0); });
  }

  void scan(const TableSpec& t, const std::function<void(const std::vector<Row>&)>& batch) override {
    run(t.name, [&] {
      // A cursor, so a table of millions never sits in memory at once.
      c().run(fmt::format("DECLARE bscbot_copy NO SCROLL CURSOR FOR SELECT {} FROM {}", select_list(t), t.name));
      for (;;) {
        const Result r = c().run("FETCH 2000 FROM bscbot_copy");
        if (r.rows() == 0) break;
        std::vector<Row> rows(static_cast<std::size_t>(r.rows()));
        for (int i = 0; i < r.rows(); ++i) {
          for (std::size_t j = 0; j < t.columns.size(); ++j) rows[static_cast<std::size_t>(i)].push_back(read_cell(r, i, static_cast<int>(j), t.columns[j]));
        }
        batch(rows);
      }
      c().run("CLOSE bscbot_copy");
    });
  }

  void clear(const TableSpec& t) override {
    run(t.name, [&] { c().run(fmt::format("DELETE FROM {}", t.name)); });
  }

  void insert(const TableSpec& t, const std::vector<Row>& rows) override {
    // Multi-row statements, well under PostgreSQL's 65535 parameters each.
    const std::size_t per_statement = std::max<std::size_t>(1, 20000 / t.columns.size());
    run(t.name, [&] {
      for (std::size_t start = 0; start < rows.size(); start += per_statement) {
        const std::size_t end = std::min(rows.size(), start + per_statement);
        std::string values;
        std::vector<Param> params;
        for (std::size_t r = start; r < end; ++r) {
          values += r == start ? "(" : ", (";
          for (std::size_t i = 0; i < t.columns.size(); ++i) {
            params.push_back(param_of(rows[r].at(i), t.columns[i].type));
            values += fmt::format("{}${}", i ? ", " : "", params.size());
          }
          values += ")";
        }
        c().exec(fmt::format("INSERT INTO {} ({}) VALUES {}", t.name, column_list(t), values), params);
      }
    });
  }

  void commit() override {
    run("commit", [&] {
      for (const TableSpec& t : copied_tables()) {
        if (!t.has_identity) continue;
        c().exec(fmt::format("SELECT setval(pg_get_serial_sequence('{0}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {0}", t.name));
      }
      c().run("COMMIT");
    });
    m_done = true;
  }

private:
  Connection& c() { return *m_lease; }



  PgPool::Lease m_lease;
  std::string m_location;
  bool m_done = false;
};

}  // namespace

std::unique_ptr<TableReader> open_reader(PgPool& pool, const std::string& location) { return std::make_unique<Tables>(pool, false, location); }
std::unique_ptr<TableWriter> open_writer(PgPool& pool, const std::string& location) { return std::make_unique<Tables>(pool, true, location); }

}  // namespace bscbot::core::db::pg
