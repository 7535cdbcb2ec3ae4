#include "core/db/diagnostics.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include <charconv>
#include <sstream>

#include "core/db/database.hpp"
#include "core/db/migrations.hpp"
#include "core/db/sqlite/connection.hpp"
#include "core/error.hpp"

namespace bscbot::core::db {

namespace {

std::vector<std::string> explain_query_plan(SQLite::Database& db, const std::string& sql) {
  std::vector<std::string> rows;
  try {
    SQLite::Statement q(db, "EXPLAIN QUERY PLAN " + sql);
    while (q.executeStep()) rows.push_back(q.getColumn(3).getString());
  } catch (const SQLite::Exception& e) {
    throw Error(ErrorKind::database, fmt::format("EXPLAIN QUERY PLAN failed: {}", e.what()));
  }
  return rows;
}

std::unique_ptr<SQLite::Database> expected_schema() {
  auto db = std::make_unique<SQLite::Database>(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  for (const Migration& m : known_migrations()) db->exec(std::string(m.sqlite_sql));
  return db;
}

std::vector<IndexInfo> indexes_of(SQLite::Database& db) {
  std::vector<IndexInfo> out;
  SQLite::Statement q(db, "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name");
  while (q.executeStep()) out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString()});
  return out;
}

}  // namespace

QueryPlans::QueryPlans(const std::filesystem::path& sqlite_file)
    : m_live(open_database(sqlite_file, Access::read_only, 0)), m_expected(expected_schema()) {}

QueryPlans::~QueryPlans() = default;

std::vector<std::string> QueryPlans::live_plan(const std::string& sql) { return explain_query_plan(*m_live, sql); }
std::vector<std::string> QueryPlans::expected_plan(const std::string& sql) { return explain_query_plan(*m_expected, sql); }
std::vector<IndexInfo> QueryPlans::live_indexes() { return indexes_of(*m_live); }
std::vector<IndexInfo> QueryPlans::expected_indexes() { return indexes_of(*m_expected); }

WriteProbe probe_writable_now(const std::filesystem::path& path) {
  try {
    SQLite::Database db(path.string(), SQLite::OPEN_READWRITE, 0);
    try {
      db.exec("BEGIN IMMEDIATE");
      db.exec("ROLLBACK");
      return WriteProbe{DbState::ok, "", std::nullopt, std::nullopt};
    } catch (const SQLite::Exception& e) {
      return WriteProbe{sqlite::classify(e), e.what(), std::nullopt, std::nullopt};
    }
  } catch (const SQLite::Exception& e) {
    return WriteProbe{sqlite::classify(e), e.what(), std::nullopt, std::nullopt};
  }
}

std::string journal_mode_of(const std::filesystem::path& path) {
  auto db = open_database(path, Access::read_only, 0);
  return journal_mode(*db);
}

namespace {

// SQLite's unix VFS (os_unix.c): the lock bytes of a database file, and the slots of the
// WAL-index (-shm) file, which start at byte 120 (WAL_WRITE_LOCK, CKPT, RECOVER, READ0..4),
// with the dead-man-switch byte at 128.
constexpr std::uint64_t k_pending = 0x40000000;
constexpr std::uint64_t k_reserved = k_pending + 1;
constexpr std::uint64_t k_shared_first = k_pending + 2;
constexpr std::uint64_t k_shm_base = 120;
constexpr std::uint64_t k_shm_dms = 128;

bool covers(const FileLockRange& l, std::uint64_t byte) { return l.start <= byte && (!l.end || *l.end >= byte); }

std::string range_text(const FileLockRange& l) {
  return fmt::format("{} lock on bytes {}-{}", l.write ? "WRITE" : "READ", l.start, l.end ? std::to_string(*l.end) : "EOF");
}

}  // namespace

std::vector<std::pair<std::string, std::filesystem::path>> sqlite_lock_files(const std::filesystem::path& path) {
  return {{"db", path}, {"wal", path.string() + "-wal"}, {"shm", path.string() + "-shm"}};
}

std::string sqlite_lock_meaning(std::string_view role, const FileLockRange& l) {
  if (role == "shm") {
    if (l.start == k_shm_dms) return "has the database open (WAL-index reference)";
    if (covers(l, k_shm_base) && l.write) return "holds the WAL write lock: a write transaction (BEGIN IMMEDIATE/EXCLUSIVE or a write) is open";
    if (covers(l, k_shm_base + 1)) return l.write ? "is checkpointing the WAL" : "holds the checkpoint lock";
    if (covers(l, k_shm_base + 2)) return "is recovering the WAL index";
    if (l.start >= k_shm_base + 3 && l.start <= k_shm_base + 7) {
      return l.write ? "is resetting a WAL read mark" : "has a read transaction open (a snapshot that holds back checkpoints)";
    }
    return "holds a " + range_text(l) + " of the WAL index";
  }
  if (role == "db") {
    if (covers(l, k_pending) && l.write) return "holds the PENDING lock: it is waiting to write exclusively";
    if (covers(l, k_reserved) && l.write) return "holds the RESERVED lock: a rollback-journal write transaction is open";
    if (covers(l, k_shared_first)) return l.write ? "holds the EXCLUSIVE lock: it is writing the database file" : "holds a SHARED lock: it is reading";
    return "holds a " + range_text(l);
  }
  return fmt::format("holds a {} lock on the {} file", l.write ? "WRITE" : "READ", role);
}

bool sqlite_lock_blocks_writers(std::string_view role, const FileLockRange& l) {
  if (!l.write) return false;
  if (role == "shm") return covers(l, k_shm_base);
  if (role == "db") return covers(l, k_pending) || covers(l, k_reserved) || covers(l, k_shared_first);
  return false;
}

namespace {

// Every other session of this database: who it is, what it waits for, how long its transaction
// has been open, and whom pg_blocking_pids() says it waits behind.
constexpr const char* k_sessions_sql =
    "SELECT pid, coalesce(usename, ''), coalesce(application_name, ''), "
    "coalesce(host(client_addr) || ':' || client_port, 'local'), coalesce(state, ''), "
    "coalesce(wait_event_type || '/' || wait_event, ''), "
    "coalesce(extract(epoch from now() - xact_start)::text, ''), "
    "array_to_string(pg_blocking_pids(pid), ','), left(coalesce(query, ''), 200) "
    "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
    "ORDER BY xact_start NULLS LAST";

constexpr const char* k_limits_sql =
    "SELECT current_setting('max_connections'), (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')";

int to_int(const std::string& s) {
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

}  // namespace

PgActivity pg_activity(Store& store) {
  if (store.backend() != Backend::pg) throw Error(ErrorKind::database, "pg_stat_activity is PostgreSQL's");
  PgActivity a;
  for (const auto& row : store.query_rows(k_sessions_sql)) {
    if (row.size() < 9) continue;
    PgSession s;
    s.pid = to_int(row[0]);
    s.user = row[1];
    s.application = row[2];
    s.client = row[3];
    s.state = row[4];
    s.wait = row[5];
    if (!row[6].empty()) s.transaction_seconds = std::stod(row[6]);
    for (std::size_t start = 0; start < row[7].size();) {
      const auto comma = row[7].find(',', start);
      s.blocked_by.push_back(to_int(row[7].substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    s.query = row[8];
    a.sessions.push_back(std::move(s));
  }
  const auto limits = store.query_rows(k_limits_sql);
  if (!limits.empty() && limits[0].size() == 2) {
    a.max_connections = to_int(limits[0][0]);
    a.connections = to_int(limits[0][1]);
  }
  return a;
}

std::vector<IndexInfo> expected_pg_indexes() {
  // The statements are ours (core/db/schema_pg.hpp), one per line: CREATE [UNIQUE] INDEX name
  // ON table(...) and DROP INDEX name.
  std::vector<IndexInfo> out;
  for (const Migration& m : known_migrations()) {
    std::string_view sql = m.pg_sql;
    while (!sql.empty()) {
      const auto end = sql.find('\n');
      std::string line(sql.substr(0, end));
      sql = end == std::string_view::npos ? std::string_view() : sql.substr(end + 1);
      while (!line.empty() && (line.back() == ';' || line.back() == ' ' || line.back() == '\r')) line.pop_back();
      std::istringstream words(line);
      std::string w1, w2, w3, w4, w5;
      words >> w1 >> w2 >> w3;
      if (w1 == "DROP" && w2 == "INDEX") {
        std::erase_if(out, [&](const IndexInfo& i) { return i.name == w3; });
        continue;
      }
      if (w1 != "CREATE") continue;
      if (w2 == "UNIQUE") {
        if (w3 != "INDEX") continue;
        words >> w4 >> w5;
      } else if (w2 == "INDEX") {
        w4 = w3;
        words >> w5;
      } else {
        continue;
      }
      std::string table;
      words >> table;
      table = table.substr(0, table.find('('));
      std::erase_if(out, [&](const IndexInfo& i) { return i.name == w4; });
      out.push_back({w4, table, line});
    }
  }
  return out;
}

std::vector<IndexInfo> pg_indexes(Store& store) {
  if (store.backend() != Backend::pg) throw Error(ErrorKind::database, "pg_indexes is PostgreSQL's");
  std::vector<IndexInfo> out;
  for (const auto& row : store.query_rows("SELECT indexname, tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname")) {
    if (row.size() == 3) out.push_back({row[0], row[1], row[2]});
  }
  return out;
}

std::vector<PgTableScans> pg_table_scans(Store& store) {
  if (store.backend() != Backend::pg) throw Error(ErrorKind::database, "pg_stat_user_tables is PostgreSQL's");
  std::vector<PgTableScans> out;
  for (const auto& row : store.query_rows("SELECT relname, n_live_tup, seq_scan, seq_tup_read, COALESCE(idx_scan, 0) FROM pg_stat_user_tables "
                                          "WHERE schemaname = current_schema() ORDER BY seq_tup_read DESC")) {
    if (row.size() != 5) continue;
    out.push_back({row[0], std::stoll(row[1]), std::stoll(row[2]), std::stoll(row[3]), std::stoll(row[4])});
  }
  return out;
}

}  // namespace bscbot::core::db
