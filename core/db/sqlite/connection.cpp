#include "core/db/sqlite/connection.hpp"

#include <sqlite3.h>

#include "core/db/database.hpp"

namespace bscbot::core::db::sqlite {

Connection::Connection(const std::filesystem::path& path, Access access, int busy_timeout_ms)
    : m_db(open_database(path, access, busy_timeout_ms)) {}

Connection::Statement Connection::prepared(std::string_view sql) {
  auto it = m_statements.find(std::string(sql));
  if (it == m_statements.end()) {
    it = m_statements.emplace(std::string(sql), std::make_unique<SQLite::Statement>(*m_db, std::string(sql))).first;
  }
  return Statement(*it->second);
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

bool breaks_connection(const SQLite::Exception& e) {
  switch (e.getErrorCode() & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN: return true;
    default: return false;
  }
}

}  // namespace bscbot::core::db::sqlite
