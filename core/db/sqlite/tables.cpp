// The SQLite store's whole-table reader and writer (bscbot db copy).
#include "core/db/sqlite/store_impl.hpp"

namespace bscbot::core::db::sqlite {

namespace {

std::string column_list(const TableSpec& t) {
  std::string s;
  for (const Column& c : t.columns) s += (s.empty() ? "" : ", ") + std::string(c.name);
  return s;
}

Cell read_cell(const SQLite::Column& c, ColumnType type) {
  if (c.isNull()) return std::nullopt;
  switch (type) {
    case ColumnType::integer: return std::to_string(c.getInt64());
    case ColumnType::real: return canonical_real(c.getDouble());
    case ColumnType::wei: return Wei::require(c.getText(), c.getName()).decimal();
    case ColumnType::time: return canonical_time(c.getText());
    case ColumnType::text: return c.getString();
  }
  return c.getString();
}

void bind_cell(SQLite::Statement& q, int index, const Cell& cell, ColumnType type) {
  if (!cell) {
    q.bind(index);
    return;
  }
  switch (type) {
    case ColumnType::integer: q.bind(index, static_cast<std::int64_t>(std::stoll(*cell))); break;
    case ColumnType::real: q.bind(index, std::stod(*cell)); break;
    default: q.bind(index, *cell); break;
  }
}

class Tables final : public TableWriter {
  // Runs `f`, naming the table in any failure.
  template <typename F>
  auto run(std::string_view what, F&& f) {
    try {
      return f();
    } catch (const SQLite::Exception& e) {
      throw Error(ErrorKind::database, fmt::format("copying {} in {}: {}", what, m_lease->db().getFilename(), e.what()));
    }
  }
public:
  Tables(SqlitePool& pool, bool write) : m_lease(pool.acquire()) {
    run("begin", [&] {
      // A read transaction's snapshot starts at its first read.
      db().exec(write ? "BEGIN IMMEDIATE" : "BEGIN");
      (void)db().execAndGet("SELECT COUNT(*) FROM sqlite_master");
    });
  }
  ~Tables() override {
    if (m_done) return;
    try {
      db().exec("ROLLBACK");
    } catch (const SQLite::Exception&) {
      m_lease.discard();  // still inside a transaction it cannot leave
    }
  }

  std::int64_t count(const TableSpec& t) override {
    return run(t.name, [&] { return db().execAndGet(fmt::format("SELECT COUNT(*) FROM {}", t.name)).getInt64(); });
  }

  void scan(const TableSpec& t, const std::function<void(const std::vector<Row>&)>& batch) override {
    run(t.name, [&] {
      SQLite::Statement q(db(), fmt::format("SELECT {} FROM {}", column_list(t), t.name));
      std::vector<Row> rows;
      while (q.executeStep()) {
        Row& row = rows.emplace_back();
        for (std::size_t i = 0; i < t.columns.size(); ++i) row.push_back(read_cell(q.getColumn(static_cast<int>(i)), t.columns[i].type));
        if (rows.size() == 2000) {
          batch(rows);
          rows.clear();
        }
      }
      if (!rows.empty()) batch(rows);
    });
  }

  void clear(const TableSpec& t) override {
    run(t.name, [&] { db().exec(fmt::format("DELETE FROM {}", t.name)); });
  }

  void insert(const TableSpec& t, const std::vector<Row>& rows) override {
    run(t.name, [&] {
      std::string marks;
      for (std::size_t i = 0; i < t.columns.size(); ++i) marks += i ? ", ?" : "?";
      auto q = m_lease->prepared(fmt::format("INSERT INTO {} ({}) VALUES ({})", t.name, column_list(t), marks));
      for (const Row& row : rows) {
        for (std::size_t i = 0; i < t.columns.size(); ++i) bind_cell(*q, static_cast<int>(i + 1), row.at(i), t.columns[i].type);
        q->exec();
        q->reset();
      }
    });
  }

  // AUTOINCREMENT already remembers the largest id inserted.
  void commit() override {
    run("commit", [&] { db().exec("COMMIT"); });
    m_done = true;
  }

private:
  SQLite::Database& db() { return m_lease->db(); }



  SqlitePool::Lease m_lease;
  bool m_done = false;
};

}  // namespace

std::unique_ptr<TableReader> open_reader(SqlitePool& pool) { return std::make_unique<Tables>(pool, false); }
std::unique_ptr<TableWriter> open_writer(SqlitePool& pool) { return std::make_unique<Tables>(pool, true); }

}  // namespace bscbot::core::db::sqlite
