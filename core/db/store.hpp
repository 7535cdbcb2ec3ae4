#pragma once
// The database as every part of bscbot sees it, whichever backend holds it: SQLite (the
// embedded default, one file in DATA_DIR) or PostgreSQL (DB_CLIENT=pg with DATABASE_URL, the
// manual's production recommendation). Opened in one place, open_store(), from the config;
// nothing outside core/db names a SQLite or libpq type. A Store is safe to use from several
// threads: each call borrows a connection from its pool (DB_POOL_MIN..DB_POOL_MAX in the
// daemon, one or two in a command) and gives it back.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/db/lane_store.hpp"
#include "core/db/maintenance.hpp"
#include "core/db/metric_store.hpp"
#include "core/db/migrations.hpp"
#include "core/db/probe.hpp"
#include "core/db/state_store.hpp"
#include "core/db/table_io.hpp"
#include "core/db/trade_store.hpp"

namespace bscbot::core::config {
class Config;
}

namespace bscbot::core::db {

enum class Backend { sqlite, pg };
std::string_view to_string(Backend b);

enum class Access {
  read_only,   // never writes, never changes the journal mode (checks, reports)
  read_write,  // the database must exist
  create,      // SQLite: creates the file and its folder; PostgreSQL: the database must exist
};

enum class CheckDepth { quick, full };

struct StoreOptions {
  int pool_min = 1;
  int pool_max = 2;
  // SQLite: each pooled connection's page cache, in KiB (0: SQLite's default, 2000). The pages
  // are in the OS page cache too; this copy saves a read per page on the hot paths.
  int sqlite_cache_kib = 0;
  QueryObserver observer;  // told every query's name and duration
};

// Options of a pool of `min`..`max` connections and nothing else set.
inline StoreOptions pool_of(int min, int max) {
  StoreOptions o;
  o.pool_min = min;
  o.pool_max = max;
  return o;
}

// The pool's use, for /api/metrics (db_pool_used) and `health`.
struct PoolStatus {
  int in_use = 0;
  int open = 0;
  int max = 0;
  std::uint64_t connection_errors = 0;
};

// What a database server says about this session and its replication (PostgreSQL), for the
// audit and `health`.
struct Standby {
  std::string name;                    // application_name
  std::string address;                 // client_addr, or "local"
  std::string state;                   // streaming, catchup, ...
  std::optional<double> replay_lag_s;  // unknown without pg_monitor
};

struct ServerFacts {
  std::string user;
  bool superuser = false;
  bool ssl = false;                    // this session is encrypted
  bool standby = false;                // connected to a standby (pg_is_in_recovery)
  std::optional<double> replay_lag_s;  // on a standby: how far behind its primary
  std::vector<Standby> standbys;       // on a primary: who replicates from it
};

class Store {
public:
  virtual ~Store() = default;

  virtual Backend backend() const = 0;
  // Where the data lives, fit for messages and logs: the file path, or the URL with its password
  // masked.
  virtual const std::string& location() const = 0;

  virtual TradeStore& trades() = 0;
  virtual MetricStore& samples() = 0;
  virtual StateStore& state() = 0;
  virtual LaneStore& lanes() = 0;

  // The migrations recorded in the database (no bookkeeping table: version 0).
  virtual SchemaStatus schema_status() = 0;
  // Applies every pending migration of `migrations` (this build's, unless a test gives others),
  // each in its own transaction, and returns the names applied; refuses a database that is newer
  // than this build or was migrated by another tool.
  virtual std::vector<std::string> migrate(std::span<const Migration> migrations = known_migrations()) = 0;
  // True when the database holds no tables at all (`init` creates the schema only there or in
  // one of ours).
  virtual bool empty() = 0;

  virtual DatabaseStats stats() = 0;
  // The database's size (SQLite: the file and its WAL; PostgreSQL: pg_database_size), cheap
  // enough for every health check.
  virtual std::uintmax_t size_bytes() = 0;
  // The folder on this machine the database grows in (SQLite's DATA_DIR), for the free-space
  // checks; nullopt for a server's database.
  virtual std::optional<std::filesystem::path> local_folder() const = 0;
  // Returns free space to the filesystem (SQLite VACUUM) or reclaims dead rows (PostgreSQL
  // VACUUM); returns the bytes the database shrank by.
  virtual std::int64_t vacuum() = 0;
  // Refreshes the query planner's statistics.
  virtual void analyze() = 0;
  // "ok", or what is damaged: SQLite's quick_check or integrity_check; on PostgreSQL the required
  // tables, and with `full` a read of every row of them.
  virtual std::string check_integrity(CheckDepth depth) = 0;
  // Takes and releases a write lock without changing a byte; tells locked from read-only from
  // disk full from unreachable.
  virtual WriteProbe probe_writable() = 0;

  virtual PoolStatus pool_status() const = 0;

  // The server's facts; nullopt for an embedded database (SQLite).
  virtual std::optional<ServerFacts> server_facts() = 0;

  // A consistent snapshot of every copied table (a read transaction, held until the reader goes
  // away), and one write transaction over them, for `bscbot db copy`. The store must outlive both.
  virtual std::unique_ptr<TableReader> read_tables() = 0;
  virtual std::unique_ptr<TableWriter> write_tables() = 0;

  // Runs one statement given verbatim and returns its rows as text (NULL as ""): the manual's
  // one-liners in benchmarks and tests. Never for SQL built from input: everything else binds
  // its values.
  virtual std::vector<std::vector<std::string>> query_rows(const std::string& sql) = 0;
};

// Opens the database the configuration names (DB_CLIENT, DB_PATH/DATA_DIR or DATABASE_URL,
// DB_PASSWORD, DB_BUSY_TIMEOUT_MS, DB_CONNECT_TIMEOUT_MS, DB_STATEMENT_TIMEOUT_MS); throws
// core::Error(not_found/database/unavailable) naming the database and the reason.
std::unique_ptr<Store> open_store(const config::Config& cfg, Access access, StoreOptions options = {});

// The database at `target`, a postgresql:// URL or a SQLite file path, with `cfg`'s timeouts
// (`bscbot db copy --to`).
std::unique_ptr<Store> open_store_at(const config::Config& cfg, const std::string& target, Access access);

// Creates the SQLite database `cfg` names (absent), migrated to this build's schema, so that it
// appears whole or not at all: built under a temp name beside it (core/util/files.hpp's naming
// rule, so a killed attempt is reclaimed by the next), migrated, closed (its WAL folded back) and
// renamed into place without replacing anything. Returns the migrations applied; throws
// core::Error(conflict) when the file appeared meanwhile. (A PostgreSQL database is created on
// its server and gets its schema from migrate().)
std::vector<std::string> create_sqlite_database(const config::Config& cfg);

// The daemon's options: a pool of DB_POOL_MIN..DB_POOL_MAX connections.
StoreOptions daemon_store_options(const config::Config& cfg, QueryObserver observer);

// The backend the configuration chooses.
Backend configured_backend(const config::Config& cfg);

// Where the configured database is, for people: the SQLite file, or the PostgreSQL URL without
// its password or parameters ("postgresql://bscbot@db1:5432/bscbot").
std::string describe_database(const config::Config& cfg);

}  // namespace bscbot::core::db
