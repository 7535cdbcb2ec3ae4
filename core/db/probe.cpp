#include "core/db/probe.hpp"

#include <sqlite3.h>

namespace bscbot::core::db {

const char* to_string(DbState s) {
  switch (s) {
    case DbState::unknown: return "unknown";
    case DbState::ok: return "ok";
    case DbState::locked: return "locked";
    case DbState::readonly: return "readonly";
    case DbState::disk_full: return "disk_full";
    case DbState::missing: return "missing";
    case DbState::replaced: return "replaced";
    case DbState::error: return "error";
  }
  return "unknown";
}

DbState classify(const SQLite::Exception& e) {
  switch (e.getErrorCode() & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return DbState::locked;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN: return DbState::readonly;
    case SQLITE_FULL: return DbState::disk_full;
    default: return DbState::error;
  }
}

WriteProbe probe_writable(SQLite::Database& db) {
  WriteProbe probe;
  try {
    db.exec("BEGIN IMMEDIATE");
    db.exec("ROLLBACK");
    probe.state = DbState::ok;
  } catch (const SQLite::Exception& e) {
    probe.state = classify(e);
    probe.error = e.what();
    try {
      if (!db.execAndGet("SELECT 1").isNull() && sqlite3_get_autocommit(db.getHandle()) == 0) db.exec("ROLLBACK");
    } catch (const SQLite::Exception&) {
      // Nothing to roll back, or the connection is unusable; the caller reopens on error.
    }
  }
  return probe;
}

}  // namespace bscbot::core::db
