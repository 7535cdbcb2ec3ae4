#pragma once
// PostgreSQL's own tools for backups of a PostgreSQL database: pg_dump -Fc from one exported
// snapshot (so the dump and the facts recorded beside it are the same instant), pg_restore to read
// an archive's contents or load it, and the database-level statements a restore needs (create,
// rename, drop) on the server's maintenance database. The password reaches the tools through
// their environment, never their command line (which every local user can read in /proc).
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/db/maintenance.hpp"
#include "core/db/store.hpp"

namespace bscbot::core::config {
class Config;
}

namespace bscbot::core::db {

// Where a PostgreSQL database is and how to log in: DATABASE_URL (with DB_PASSWORD when the URL
// has none), or another database on the same server.
struct PgTarget {
  std::string url;
  std::string password;
  std::string dbname;  // another database on the URL's server; empty: the URL's own
  std::chrono::milliseconds connect_timeout{5000};

  PgTarget with_dbname(std::string other) const;
  // The URL naming `dbname` instead of its own (for a process that reads DATABASE_URL).
  std::string url_with_dbname() const;
  // The URL without password or parameters, naming `dbname` when set (for messages).
  std::string describe() const;
};

PgTarget pg_target(const config::Config& cfg);

// What the dump holds, read in its snapshot.
struct DumpFacts {
  DatabaseStats stats;
  std::vector<std::string> applied;        // knex_migrations names, oldest first
  std::optional<std::int64_t> max_trade_id;
  std::string pg_dump_version;             // "pg_dump (PostgreSQL) 15.x"
};

// Runs pg_dump -Fc of `target` in a snapshot exported by a read-only transaction; each chunk of
// the archive goes to `sink` as pg_dump writes it. Throws core::Error: unavailable when the server
// cannot be reached, not_found when pg_dump is not installed, database with pg_dump's message.
DumpFacts dump_pg(const PgTarget& target, const std::function<void(const char*, std::size_t)>& sink);

// An archive's table of contents as pg_restore --list prints it (one entry per line, comments
// dropped); core::Error(data) when `archive` is not a readable pg_dump custom-format archive.
std::vector<std::string> list_pg_archive(const std::filesystem::path& archive);

// Loads `archive` into the (empty) database `target` in one transaction (pg_restore
// --single-transaction --exit-on-error --no-owner --no-privileges): all of it or nothing.
void restore_pg_archive(const std::filesystem::path& archive, const PgTarget& target);

// Statements about whole databases, run from the server's maintenance database `postgres`.
class PgServerAdmin {
public:
  explicit PgServerAdmin(PgTarget target);

  bool exists(const std::string& name);
  // CREATE DATABASE owned by the connecting role; core::Error(permission) explains CREATEDB.
  void create(const std::string& name);
  void drop(const std::string& name);  // IF EXISTS
  void rename(const std::string& from, const std::string& to);
  // Renames (from, to) pairs in one transaction, in order: all of them or none, whatever ends the
  // process meanwhile (ALTER DATABASE ... RENAME is transactional in PostgreSQL).
  void rename_together(const std::vector<std::pair<std::string, std::string>>& renames);
  // Databases whose name starts with `prefix`, sorted.
  std::vector<std::string> names_starting(const std::string& prefix);
  // Ends the other sessions on `name` that the connecting role may end (its own); returns how many.
  int end_sessions(const std::string& name);
  // Sessions on `name` other than ours, after end_sessions: who still holds it.
  std::vector<std::string> sessions(const std::string& name);

private:
  PgTarget m_target;
};

// A server-wide advisory lock named `what` (pg_try_advisory_lock on a session of its own), held
// until destroyed: one restore of a database at a time, whichever machine runs it, and a
// leftover of one that was killed is known for one by whoever holds the lock next.
class PgLock {
public:
  // Takes the lock or throws core::Error(conflict) naming `what`.
  PgLock(const PgTarget& target, const std::string& what);
  ~PgLock();
  PgLock(const PgLock&) = delete;
  PgLock& operator=(const PgLock&) = delete;

private:
  struct Session;
  std::unique_ptr<Session> m_session;
};

// The store on `target` (migrations, counts of a restored database).
std::unique_ptr<Store> open_pg_store(const PgTarget& target, Access access);

// A database name fit for SQL identifiers we build (letters, digits, '_'; at most 63 bytes);
// core::Error(usage) otherwise.
std::string checked_database_name(const std::string& name);

}  // namespace bscbot::core::db
