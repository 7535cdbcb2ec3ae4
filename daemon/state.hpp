#pragma once
// What the daemon knows about itself right now, shared between the worker loop (which writes
// it) and the request threads (which read it for /api/health and /api/metrics).
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "core/checks/integrity_verdict.hpp"
#include "core/db/probe.hpp"

namespace bscbot::daemon {

using core::db::DbState;

struct DbProbe {
  DbState state = DbState::unknown;
  std::string error;                               // the last failure, verbatim
  std::chrono::steady_clock::time_point checked{}; // when the worker last probed
  std::optional<std::uintmax_t> size_bytes;        // the database's size (file and WAL, or pg_database_size)
  std::optional<std::uintmax_t> free_bytes;        // free space where a SQLite file grows
};

// The log or backup folder as the worker last saw it. Neither makes bscbotd unusable, so
// /api/health reports them as warnings and keeps its 200.
struct FolderProbe {
  std::string state = "unknown";    // ok, disk_full (below the room it needs) or error (writes failed)
  std::uintmax_t free_bytes = 0;
  std::uintmax_t needed_bytes = 0;  // DISK_FREE_MIN_MB for the logs, the next backup's size for the backups
  std::string error;
};

class RuntimeState {
public:
  RuntimeState() : m_started(std::chrono::steady_clock::now()), m_last_tick_ns(now_ns()) {}

  // The worker loop calls this once per turn; its age is how /api/health spots a stuck loop.
  void tick() { m_last_tick_ns.store(now_ns()); }
  std::chrono::milliseconds tick_age() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds(now_ns() - m_last_tick_ns.load()));
  }
  std::chrono::steady_clock::time_point started() const { return m_started; }

  void set_db(DbProbe probe) {
    std::lock_guard lock(m_mutex);
    m_db = std::move(probe);
  }
  DbProbe db() const {
    std::lock_guard lock(m_mutex);
    return m_db;
  }
  void set_folders(FolderProbe logs, FolderProbe backups) {
    std::lock_guard lock(m_mutex);
    m_logs = std::move(logs);
    m_backups = std::move(backups);
  }
  FolderProbe logs() const {
    std::lock_guard lock(m_mutex);
    return m_logs;
  }
  FolderProbe backups() const {
    std::lock_guard lock(m_mutex);
    return m_backups;
  }

  // The scheduled quick check's last verdict (daemon/integrity_watch.hpp).
  void set_integrity(core::checks::IntegrityVerdict v) {
    std::lock_guard lock(m_mutex);
    m_integrity = std::move(v);
  }
  std::optional<core::checks::IntegrityVerdict> integrity() const {
    std::lock_guard lock(m_mutex);
    return m_integrity;
  }

  // Told by the logger's error handler (its own thread) when a line could not be written.
  void log_write_failed(std::string error) {
    ++log_write_failures;
    std::lock_guard lock(m_mutex);
    m_last_log_error = std::move(error);
  }
  std::string last_log_error() const {
    std::lock_guard lock(m_mutex);
    return m_last_log_error;
  }
  std::atomic<std::uint64_t> log_write_failures{0};

  std::atomic<int> http_connections{0};      // HTTP connections holding a slot
  std::atomic<int> http_max_connections{0};  // HTTP_MAX_CONNECTIONS, after any clamp to RLIMIT_NOFILE
  std::atomic<int> websocket_connections{0};
  std::atomic<std::uint64_t> websocket_opened{0};
  std::atomic<std::uint64_t> websocket_pings{0};    // heartbeat pings sent
  std::atomic<std::uint64_t> websocket_pongs{0};    // pongs received
  std::atomic<std::uint64_t> websocket_dropped{0};  // clients dropped for a missed pong
  std::atomic<int> trade_queue_length{0};
  std::atomic<std::uint64_t> cache_hits{0};
  std::atomic<std::uint64_t> cache_misses{0};
  std::atomic<int> cache_size{0};
  std::atomic<std::uint64_t> unauthorized{0};      // 401 and 403 answers
  std::atomic<bool> stopping{false};

private:
  static std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }
  std::chrono::steady_clock::time_point m_started;
  std::atomic<std::int64_t> m_last_tick_ns;
  mutable std::mutex m_mutex;
  DbProbe m_db;
  FolderProbe m_logs, m_backups;
  std::optional<core::checks::IntegrityVerdict> m_integrity;
  std::string m_last_log_error;
};

}  // namespace bscbot::daemon
