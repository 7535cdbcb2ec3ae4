#pragma once
// The database side of `bscbot diagnose`, beside the store: which SQL a named query runs, how
// SQLite plans it, which of the schema's indexes a SQLite file lacks, who waits on whom in a
// PostgreSQL server. Nothing here writes a byte of the live database.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/db/probe.hpp"
#include "core/db/store.hpp"

namespace SQLite {
class Database;
}

namespace bscbot::core::db {

// The statements the SQLite store runs for the query `name` ("trades.history",
// "metric_samples.daily", ...: the names of the slow-query log and the query histogram),
// captured under sqlite3_trace_v2 while the store's own code runs it on a throwaway database of
// the expected schema: the SQL is the store's, never a copy that could drift, and the live
// database is not touched. Empty for a name the store does not use.
std::vector<std::string> statements_of(std::string_view name);

// Every query name statements_of() knows.
std::vector<std::string> known_query_names();

struct IndexInfo {
  std::string name;
  std::string table;
  std::string sql;  // CREATE INDEX ...
};

// How SQLite plans statements on a live file (opened read-only, waiting for nobody) and on the
// schema as the migrations define it (an in-memory database with every migration applied), and
// the indexes of each, so a plan that scans where the schema's would search names the index
// that is missing.
class QueryPlans {
public:
  // Throws core::Error(not_found/database) naming the file.
  explicit QueryPlans(const std::filesystem::path& sqlite_file);
  ~QueryPlans();
  QueryPlans(const QueryPlans&) = delete;
  QueryPlans& operator=(const QueryPlans&) = delete;

  // EXPLAIN QUERY PLAN of `sql` (parameters unbound), one line per row, e.g.
  // "SEARCH trades USING INDEX idx_trades_created_at (created_at>?)".
  std::vector<std::string> live_plan(const std::string& sql);
  std::vector<std::string> expected_plan(const std::string& sql);

  // Indexes (not SQLite's automatic ones), by name.
  std::vector<IndexInfo> live_indexes();
  std::vector<IndexInfo> expected_indexes();

private:
  std::unique_ptr<SQLite::Database> m_live;
  std::unique_ptr<SQLite::Database> m_expected;
};

// Can the SQLite file `path` take a write this instant? BEGIN IMMEDIATE; ROLLBACK on a
// connection that waits for nobody (busy timeout 0) and changes nothing, not even the journal
// mode.
WriteProbe probe_writable_now(const std::filesystem::path& path);

// The journal mode of the SQLite file `path`, read-only ("wal", "delete", ...).
std::string journal_mode_of(const std::filesystem::path& path);

// A byte-range lock some process holds (or waits for) on one of an SQLite database's files, as
// the kernel lists it in /proc/locks.
struct FileLockRange {
  bool write = false;                // WRITE, else READ
  std::uint64_t start = 0;
  std::optional<std::uint64_t> end;  // nullopt: to EOF
};

// The files of the SQLite database `path` that SQLite locks, by role: "db", "wal", "shm".
std::vector<std::pair<std::string, std::filesystem::path>> sqlite_lock_files(const std::filesystem::path& path);

// What a lock on an SQLite file means, from the file's role and the byte range (SQLite's unix
// VFS: the PENDING/RESERVED/SHARED bytes of the database, the WAL lock slots of the -shm file).
// E.g. "holds the WAL write lock: a write transaction ... is open".
std::string sqlite_lock_meaning(std::string_view role, const FileLockRange& lock);

// Whether the lock blocks every other writer (the WAL write lock, RESERVED/PENDING/EXCLUSIVE).
bool sqlite_lock_blocks_writers(std::string_view role, const FileLockRange& lock);

// A PostgreSQL session of this database, from pg_stat_activity.
struct PgSession {
  int pid = 0;
  std::string user;
  std::string application;
  std::string client;                  // address:port, or "local"
  std::string state;                   // active, idle, idle in transaction, ...
  std::string wait;                    // wait_event_type/wait_event, e.g. "Lock/transactionid"
  std::optional<double> transaction_seconds;  // since xact_start
  std::vector<int> blocked_by;         // pg_blocking_pids()
  std::string query;                   // the last statement, cut to 200 characters
};

struct PgActivity {
  std::vector<PgSession> sessions;     // every other session of this database
  int max_connections = 0;             // the server's
  int connections = 0;                 // to every database of the server
};

// pg_stat_activity of the store's database (the store's own session left out) and the
// server's connection limit; throws core::Error(database) when the store is not PostgreSQL.
PgActivity pg_activity(Store& store);

// The indexes the PostgreSQL migrations define, as they stand after the last one (a migration
// may drop and re-create an index), with their CREATE INDEX statements.
std::vector<IndexInfo> expected_pg_indexes();

// The indexes of the store's PostgreSQL database (pg_indexes of its schema), by name.
std::vector<IndexInfo> pg_indexes(Store& store);

// How a table of the store's PostgreSQL database is read (pg_stat_user_tables): sequential
// scans read every row, so many of them on a big table point at an index that is missing.
struct PgTableScans {
  std::string table;
  std::int64_t rows = 0;               // n_live_tup, the planner's estimate
  std::int64_t seq_scans = 0;
  std::int64_t seq_rows_read = 0;
  std::int64_t index_scans = 0;
};
std::vector<PgTableScans> pg_table_scans(Store& store);

}  // namespace bscbot::core::db
