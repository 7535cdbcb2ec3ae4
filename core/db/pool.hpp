#pragma once
// A small pool of SQLite connections for the daemon's request threads: SQLite connections are
// not shared between threads, and opening one per request would cost more than the query.
#include <SQLiteCpp/Database.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

namespace bscbot::core::db {

class ConnectionPool {
public:
  // Opens `min_size` connections now and up to `max_size` on demand.
  ConnectionPool(std::filesystem::path path, int min_size, int max_size, int busy_timeout_ms);

  class Lease {
  public:
    Lease(ConnectionPool& pool, std::unique_ptr<SQLite::Database> db) : m_pool(&pool), m_db(std::move(db)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease();
    SQLite::Database& db() { return *m_db; }
    // Drops the connection instead of returning it (after an error that may have broken it).
    void discard() { m_discard = true; }

  private:
    ConnectionPool* m_pool;
    std::unique_ptr<SQLite::Database> m_db;
    bool m_discard = false;
  };

  // Waits up to `wait` for a free connection; throws core::Error(unavailable) when none frees up
  // and core::Error(database) when a new one cannot be opened (both counted in errors()).
  Lease acquire(std::chrono::milliseconds wait = std::chrono::milliseconds(2000));

  int in_use() const { return m_in_use.load(); }
  int max_size() const { return m_max; }
  std::uint64_t errors() const { return m_errors.load(); }

private:
  void give_back(std::unique_ptr<SQLite::Database> db, bool discard);

  std::filesystem::path m_path;
  int m_max;
  int m_busy_timeout_ms;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::vector<std::unique_ptr<SQLite::Database>> m_idle;
  int m_open = 0;
  std::atomic<int> m_in_use{0};
  std::atomic<std::uint64_t> m_errors{0};
};

}  // namespace bscbot::core::db
