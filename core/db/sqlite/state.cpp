// The SQLite store's daemon_state.
#include "core/db/sqlite/store_impl.hpp"

namespace bscbot::core::db::sqlite {

std::optional<std::string> State::get(const std::string& key) {
  return m_run("daemon_state.get", [&](Connection& c) -> std::optional<std::string> {
    auto q = c.prepared("SELECT value FROM daemon_state WHERE key = ?");
    q->bind(1, key);
    if (!q->executeStep()) return std::nullopt;
    return q->getColumn(0).getString();
  });
}

void State::set(const std::string& key, const std::string& value) {
  m_run("daemon_state.set", [&](Connection& c) {
    auto q = c.prepared(
        "INSERT INTO daemon_state (key, value, updated_at) VALUES (?, ?, datetime('now')) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at");
    q->bind(1, key);
    q->bind(2, value);
    q->exec();
    return 0;
  });
}

}  // namespace bscbot::core::db::sqlite
