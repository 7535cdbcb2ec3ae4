#include "core/db/pool.hpp"

#include <fmt/format.h>

#include "core/db/database.hpp"
#include "core/error.hpp"

namespace bscbot::core::db {

ConnectionPool::ConnectionPool(std::filesystem::path path, int min_size, int max_size, int busy_timeout_ms)
    : m_path(std::move(path)), m_max(max_size), m_busy_timeout_ms(busy_timeout_ms) {
  for (int i = 0; i < min_size && i < max_size; ++i) {
    m_idle.push_back(open_database(m_path, Access::read_write, m_busy_timeout_ms));
    ++m_open;
  }
}

ConnectionPool::Lease::~Lease() {
  if (m_db) m_pool->give_back(std::move(m_db), m_discard);
}

ConnectionPool::Lease ConnectionPool::acquire(std::chrono::milliseconds wait) {
  std::unique_lock lock(m_mutex);
  if (!m_cv.wait_for(lock, wait, [&] { return !m_idle.empty() || m_open < m_max; })) {
    ++m_errors;
    throw Error(ErrorKind::unavailable,
                fmt::format("Failed to get database connection: all {} connections busy for {} ms", m_max, wait.count()));
  }
  std::unique_ptr<SQLite::Database> db;
  if (!m_idle.empty()) {
    db = std::move(m_idle.back());
    m_idle.pop_back();
  } else {
    ++m_open;
    lock.unlock();
    try {
      db = open_database(m_path, Access::read_write, m_busy_timeout_ms);
    } catch (...) {
      std::lock_guard relock(m_mutex);
      --m_open;
      ++m_errors;
      m_cv.notify_one();
      throw;
    }
  }
  ++m_in_use;
  return Lease(*this, std::move(db));
}

void ConnectionPool::give_back(std::unique_ptr<SQLite::Database> db, bool discard) {
  --m_in_use;
  std::lock_guard lock(m_mutex);
  if (discard) {
    --m_open;
    ++m_errors;
  } else {
    m_idle.push_back(std::move(db));
  }
  m_cv.notify_one();
}

}  // namespace bscbot::core::db
