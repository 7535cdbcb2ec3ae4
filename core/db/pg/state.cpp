// The PostgreSQL store's daemon_state.
#include "core/db/pg/store_impl.hpp"

namespace bscbot::core::db::pg {

std::optional<std::string> State::get(const std::string& key) {
  return m_run("daemon_state.get", Retry::safe, [&](Connection& c) -> std::optional<std::string> {
    const Result r = c.exec("SELECT value FROM daemon_state WHERE key = $1", {Param::of(key)});
    if (r.rows() == 0) return std::nullopt;
    return std::string(r.text(0, 0));
  });
}

void State::set(const std::string& key, const std::string& value) {
  // An upsert of a fixed value: repeating it after a lost answer changes nothing.
  m_run("daemon_state.set", Retry::safe, [&](Connection& c) {
    c.exec("INSERT INTO daemon_state (key, value, updated_at) VALUES ($1, $2, now()) "
           "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
           {Param::of(key), Param::of(value)});
    return 0;
  });
}

}  // namespace bscbot::core::db::pg
