#pragma once
// The SQLite file itself, for what is file-level by nature (the SQLite store's connections,
// online backups, restores, reads of backup files): opened with a WAL journal, a busy timeout
// instead of instant "database is locked", foreign keys on.
#include <SQLiteCpp/Database.h>

#include <filesystem>
#include <memory>
#include <string>

#include "core/db/store.hpp"
#include <vector>

namespace bscbot::core::db {

// Opens `path`; throws core::Error(not_found/database) naming the file and the reason.
std::unique_ptr<SQLite::Database> open_database(const std::filesystem::path& path, Access access,
                                                int busy_timeout_ms = 5000);

// Runs `PRAGMA quick_check` (or the full integrity_check) and returns "ok" or the problems.
std::string check_integrity(SQLite::Database& db, bool full);

// The journal mode SQLite reports, e.g. "wal".
std::string journal_mode(SQLite::Database& db);

// The migrations recorded in the file's knex_migrations (none: version 0).
SchemaStatus schema_status(SQLite::Database& db);

// Row counts of counted_tables(); missing tables are omitted.
std::vector<TableCount> count_rows(SQLite::Database& db);

// The oldest and newest trade's created_at and the highest id, as one row (NULLs when there is
// no trade). One aggregate per subquery on purpose: SQLite answers a lone MIN or MAX with one
// index seek, but a SELECT of several aggregates with a scan of every trade (0.4 s at 2 M).
inline constexpr const char* k_trade_ends_sql =
    "SELECT (SELECT MIN(created_at) FROM trades), (SELECT MAX(created_at) FROM trades), (SELECT MAX(id) FROM trades)";

// The SQLite header magic: the first 16 bytes of every database file.
bool looks_like_sqlite(const std::filesystem::path& path);

// A file: URI for `path` with immutable=1 (the characters URIs reserve escaped): SQLite then
// never writes beside the file, for reading backups.
std::string immutable_uri(const std::filesystem::path& path);

// PRAGMA quick_check of a file opened immutable (a backup: nothing is written beside it, no -wal
// or -shm appears); "ok", the problems, or "cannot read: ..." when SQLite cannot open it.
std::string quick_check_immutable(const std::filesystem::path& path);

}  // namespace bscbot::core::db
