#pragma once
// The daemon's small durable key-value state (the next nonce per account), in daemon_state.
#include <optional>
#include <string>

namespace SQLite {
class Database;
}

namespace bscbot::core::db {

class DaemonStateRepository {
public:
  explicit DaemonStateRepository(SQLite::Database& db) : m_db(db) {}

  // The value stored under `key`, or nullopt.
  std::optional<std::string> get(const std::string& key);

  // Stores `value` under `key` (insert or replace) and moves updated_at; durable when the
  // statement returns, since SQLite commits it.
  void set(const std::string& key, const std::string& value);

private:
  SQLite::Database& m_db;
};

}  // namespace bscbot::core::db
