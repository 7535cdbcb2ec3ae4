#include "core/db/diagnostics.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include <charconv>

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

}  // namespace bscbot::core::db
