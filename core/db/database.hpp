#pragma once
// Opening the SQLite database the way every part of bscbot needs it: WAL journal, a busy
// timeout instead of instant "database is locked", foreign keys on.
#include <SQLiteCpp/Database.h>

#include <filesystem>
#include <memory>
#include <string>

namespace bscbot::core::db {

enum class Access {
  read_only,   // never writes, never changes the journal mode (backups, verify)
  read_write,  // the file must exist
  create,      // creates the file and its folder when missing
};

// Opens `path`; throws core::Error(not_found/database) naming the file and the reason.
std::unique_ptr<SQLite::Database> open_database(const std::filesystem::path& path, Access access,
                                                int busy_timeout_ms = 5000);

// Runs `PRAGMA quick_check` (or the full integrity_check) and returns "ok" or the problems.
std::string check_integrity(SQLite::Database& db, bool full);

// The journal mode SQLite reports, e.g. "wal".
std::string journal_mode(SQLite::Database& db);

// The SQLite header magic: the first 16 bytes of every database file.
bool looks_like_sqlite(const std::filesystem::path& path);

}  // namespace bscbot::core::db
