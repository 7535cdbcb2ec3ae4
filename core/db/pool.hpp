#pragma once
// A pool of database connections, one implementation for both backends: SQLite connections
// cannot be shared between threads and PostgreSQL ones carry a session, so each caller borrows
// one for a unit of work. Opens `min` connections up front and up to `max` on demand; a
// connection that failed is discarded instead of returned, and the next borrower opens a new
// one, which is how the PostgreSQL store rides out a server restart or failover.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/db/store.hpp"
#include "core/error.hpp"

namespace bscbot::core::db {

template <typename Connection>
class Pool {
public:
  using Opener = std::function<std::unique_ptr<Connection>()>;

  // Opens `min_size` connections now (throwing what `open` throws); `what` names the database in
  // errors.
  Pool(Opener open, int min_size, int max_size, std::string what)
      : m_open_fn(std::move(open)), m_max(max_size < 1 ? 1 : max_size), m_what(std::move(what)) {
    for (int i = 0; i < min_size && i < m_max; ++i) {
      m_idle.push_back(m_open_fn());
      ++m_open;
    }
  }

  class Lease {
  public:
    Lease(Pool& pool, std::unique_ptr<Connection> c) : m_pool(&pool), m_connection(std::move(c)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease() {
      if (m_connection) m_pool->give_back(std::move(m_connection), m_discard);
    }
    Connection& operator*() { return *m_connection; }
    Connection* operator->() { return m_connection.get(); }
    // Drops the connection instead of returning it (after an error that may have broken it).
    void discard() { m_discard = true; }

  private:
    Pool* m_pool;
    std::unique_ptr<Connection> m_connection;
    bool m_discard = false;
  };

  // Waits up to `wait` for a free connection; throws core::Error(unavailable) when none frees
  // up, and what the opener throws when a new one cannot be opened (both counted as errors).
  Lease acquire(std::chrono::milliseconds wait = std::chrono::milliseconds(2000)) {
    std::unique_lock lock(m_mutex);
    if (!m_fenced.empty()) throw Error(ErrorKind::unavailable, m_fenced);
    if (!m_cv.wait_for(lock, wait, [&] { return !m_idle.empty() || m_open < m_max; })) {
      ++m_errors;
      throw Error(ErrorKind::unavailable, fmt::format("Failed to get database connection: all {} connections to {} busy for {} ms",
                                                      m_max, m_what, wait.count()));
    }
    std::unique_ptr<Connection> c;
    if (!m_idle.empty()) {
      c = std::move(m_idle.back());
      m_idle.pop_back();
    } else {
      ++m_open;
      lock.unlock();
      try {
        c = m_open_fn();
      } catch (...) {
        std::lock_guard relock(m_mutex);
        --m_open;
        ++m_errors;
        m_cv.notify_one();
        throw;
      }
    }
    ++m_in_use;
    return Lease(*this, std::move(c));
  }

  // Closes every idle connection, after one of them found the server gone: the others went
  // with it.
  void drop_idle() {
    std::lock_guard lock(m_mutex);
    m_open -= static_cast<int>(m_idle.size());
    m_idle.clear();
    m_cv.notify_all();
  }

  // Closes the idle connections `unfit` picks (not counted as errors: they are only stale).
  void drop_idle_if(const std::function<bool(Connection&)>& unfit) {
    std::lock_guard lock(m_mutex);
    const auto before = m_idle.size();
    std::erase_if(m_idle, [&](const std::unique_ptr<Connection>& c) { return unfit(*c); });
    m_open -= static_cast<int>(before - m_idle.size());
    if (before != m_idle.size()) m_cv.notify_all();
  }

  // Hands out no connection any more (acquire throws `why`) and closes every one, the idle ones
  // now and the borrowed ones as they come back, each passed to `before_close` first: for a
  // database that must not be touched again (a SQLite file overwritten under the daemon).
  void fence(std::string why, std::function<void(Connection&)> before_close) {
    std::lock_guard lock(m_mutex);
    if (!m_fenced.empty()) return;
    m_fenced = std::move(why);
    m_before_close = std::move(before_close);
    for (auto& c : m_idle) m_before_close(*c);
    m_open -= static_cast<int>(m_idle.size());
    m_idle.clear();
    m_cv.notify_all();
  }

  PoolStatus status() const {
    std::lock_guard lock(m_mutex);
    return PoolStatus{m_in_use.load(), m_open, m_max, m_errors.load()};
  }

private:
  void give_back(std::unique_ptr<Connection> c, bool discard) {
    --m_in_use;
    std::lock_guard lock(m_mutex);
    if (!m_fenced.empty()) {
      m_before_close(*c);
      --m_open;
    } else if (discard) {
      --m_open;
      ++m_errors;
    } else {
      m_idle.push_back(std::move(c));
    }
    m_cv.notify_one();
  }

  Opener m_open_fn;
  int m_max;
  std::string m_what;
  mutable std::mutex m_mutex;
  std::condition_variable m_cv;
  std::vector<std::unique_ptr<Connection>> m_idle;
  std::string m_fenced;  // why, once fenced
  std::function<void(Connection&)> m_before_close;
  int m_open = 0;
  std::atomic<int> m_in_use{0};
  std::atomic<std::uint64_t> m_errors{0};
};

// Runs `f` and tells `observer` its name and duration (also when it throws).
template <typename F>
auto observed(const QueryObserver& observer, std::string_view name, F&& f) {
  struct Timer {
    const QueryObserver& observer;
    std::string_view name;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    ~Timer() {
      if (observer) observer(name, std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start));
    }
  } timer{observer, name};
  return f();
}

}  // namespace bscbot::core::db
