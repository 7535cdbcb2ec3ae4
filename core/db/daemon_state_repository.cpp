#include "core/db/daemon_state_repository.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include "core/error.hpp"

namespace bscbot::core::db {

std::optional<std::string> DaemonStateRepository::get(const std::string& key) {
  try {
    SQLite::Statement q(m_db, "SELECT value FROM daemon_state WHERE key = ?");
    q.bind(1, key);
    if (!q.executeStep()) return std::nullopt;
    return q.getColumn(0).getString();
  } catch (const SQLite::Exception& e) {
    throw Error(ErrorKind::database, fmt::format("reading daemon_state '{}' failed: {}", key, e.what()));
  }
}

void DaemonStateRepository::set(const std::string& key, const std::string& value) {
  try {
    SQLite::Statement q(m_db,
                        "INSERT INTO daemon_state (key, value, updated_at) VALUES (?, ?, datetime('now')) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at");
    q.bind(1, key);
    q.bind(2, value);
    q.exec();
  } catch (const SQLite::Exception& e) {
    throw Error(ErrorKind::database, fmt::format("writing daemon_state '{}' failed: {}", key, e.what()));
  }
}

}  // namespace bscbot::core::db
