#include "daemon/worker.hpp"

#include <fmt/format.h>

#include <boost/asio/post.hpp>
#include <filesystem>

#include "core/backup/next_backup.hpp"
#include "core/checks/disk.hpp"
#include "core/db/probe.hpp"
#include "core/util/files.hpp"
#include "core/util/units.hpp"
#include "daemon/app.hpp"
#include "daemon/systemd_notify.hpp"

namespace fs = std::filesystem;

namespace bscbot::daemon {

namespace {

constexpr auto k_turn = std::chrono::milliseconds(1000);

}  // namespace

Worker::Worker(App& app) : m_app(app), m_timer(m_ioc), m_last_heartbeat_report(std::chrono::steady_clock::now()) {
  m_watchdog = systemd_watchdog().has_value();
}

Worker::~Worker() { stop(); }

void Worker::start() {
  m_guard = std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(m_ioc.get_executor());
  // The first probe answers before the first request can ask; later ones run on their own
  // thread, so a database server that takes seconds to time out never stalls the loop (or
  // trips the systemd watchdog).
  probe_database();
  m_prober = std::thread([this] {
    std::unique_lock lock(m_probe_mutex);
    while (!m_probe_cv.wait_for(lock, k_turn, [this] { return m_probe_stop; })) {
      lock.unlock();
      probe_database();
      lock.lock();
    }
  });
  turn();
  m_thread = std::thread([this] { m_ioc.run(); });
}

void Worker::stop() {
  if (m_prober.joinable()) {
    {
      std::lock_guard lock(m_probe_mutex);
      m_probe_stop = true;
    }
    m_probe_cv.notify_all();
    m_prober.join();
  }
  if (!m_thread.joinable()) return;
  boost::asio::post(m_ioc, [this] {
    m_timer.cancel();
    for (auto& j : m_jobs) j->timer.cancel();
    m_guard.reset();
  });
  m_thread.join();
}

void Worker::every(std::chrono::milliseconds period, std::function<void()> job) {
  m_jobs.push_back(std::make_unique<Job>(Job{boost::asio::steady_timer(m_ioc), period, std::move(job)}));
  Job* added = m_jobs.back().get();
  boost::asio::post(m_ioc, [this, added] { schedule(*added); });
}

void Worker::schedule(Job& job) {
  job.timer.expires_after(job.period);
  job.timer.async_wait([this, &job](boost::system::error_code ec) {
    if (ec) return;
    try {
      job.run();
    } catch (const std::exception& e) {
      m_app.log->error("worker job failed: {}", e.what());
    }
    schedule(job);
  });
}

void Worker::turn() {
  probe_folders();
  report_heartbeat();
  m_app.state.tick();
  if (m_watchdog) notify_systemd("WATCHDOG=1");
  m_timer.expires_after(k_turn);
  m_timer.async_wait([this](boost::system::error_code ec) {
    if (!ec) turn();
  });
}

void Worker::probe_database() {
  // The store knows what its backend can suffer: a SQLite file deleted, replaced or out of
  // disk; a PostgreSQL server gone, read-only or locking the table.
  // Disk full is judged against DISK_FREE_MIN_MB, the room the next writes need, so it is said
  // while writes still work.
  const core::db::WriteProbe w =
      core::checks::with_margin(m_app.store.probe_writable(), m_app.store.local_folder(), core::checks::free_space_margin(m_app.cfg));
  DbProbe probe;
  probe.checked = std::chrono::steady_clock::now();
  probe.state = w.state;
  probe.error = w.error;
  probe.size_bytes = w.size_bytes;
  probe.free_bytes = w.free_bytes;
  const std::string& path = m_app.store.location();
  const DbProbe previous = m_app.state.db();
  if (previous.state != probe.state) {
    if (probe.state == DbState::ok) {
      if (previous.state == DbState::unknown) m_app.log->info("Database {} is writable", path);
      else m_app.log->info("Database {} is writable again", path);
    }
    else m_app.log->error("Database {}: {}", core::db::to_string(probe.state), probe.error);
  }
  m_app.state.set_db(std::move(probe));
}

void Worker::probe_folders() {
  const auto& cfg = m_app.cfg;
  const auto free_in = [](const fs::path& dir) -> std::optional<std::uintmax_t> {
    try {
      return core::available_bytes(dir);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  };
  FolderProbe logs;
  logs.needed_bytes = core::checks::free_space_margin(cfg);
  const fs::path log_dir = cfg.log_dir();
  const auto log_free = free_in(log_dir);
  logs.free_bytes = log_free.value_or(0);
  // Lines the logger could not write since the last turn (a full disk, an I/O error).
  const std::uint64_t failures = m_app.state.log_write_failures.load();
  const std::uint64_t new_failures = failures - m_seen_log_failures;
  m_seen_log_failures = failures;
  if (const auto short_of = log_free ? core::checks::short_of_space(log_dir, *log_free, logs.needed_bytes) : std::nullopt) {
    logs.state = "disk_full";
    logs.error = *short_of;
  } else if (new_failures > 0) {
    logs.state = "error";
    logs.error = fmt::format("{} log line(s) could not be written: {}", new_failures, m_app.state.last_log_error());
  } else {
    logs.state = log_free ? "ok" : "unknown";
  }

  FolderProbe backups;
  const fs::path backup_dir = cfg.path("BACKUP_DIR");
  const auto needed = core::backup::next_backup_needs(cfg, m_app.state.db().size_bytes);
  backups.needed_bytes = needed.value_or(0);
  const auto backup_free = free_in(backup_dir);
  backups.free_bytes = backup_free.value_or(0);
  if (!backup_free || !needed) {
    backups.state = "unknown";
  } else if (*backup_free < backups.needed_bytes) {
    backups.state = "disk_full";
    backups.error = fmt::format("only {} free in {}, the next backup needs about {}", core::bytes_text(static_cast<double>(*backup_free)),
                                backup_dir.string(), core::bytes_text(static_cast<double>(backups.needed_bytes)));
  } else {
    backups.state = "ok";
  }

  // Said once per change, like the database's state. The log may be what is full: the line is
  // tried anyway, and counted by the error handler when it cannot be written.
  if (logs.state != m_logs_state && m_logs_state != "unknown") {
    if (logs.state == "ok") m_app.log->info("Log folder {} is writable again", log_dir.string());
    else m_app.log->error("Log folder {}: {}", log_dir.string(), logs.error);
  }
  if (backups.state != m_backups_state && m_backups_state != "unknown") {
    if (backups.state == "ok") m_app.log->info("Backup folder {} has room for the next backup again", backup_dir.string());
    else m_app.log->warn("Backup folder {}: {}", backup_dir.string(), backups.error);
  }
  m_logs_state = logs.state;
  m_backups_state = backups.state;
  m_app.state.set_folders(std::move(logs), std::move(backups));
}

void Worker::report_heartbeat() {
  const auto interval = std::chrono::milliseconds(m_app.cfg.integer("HEARTBEAT_INTERVAL_MS"));
  const auto now = std::chrono::steady_clock::now();
  if (now - m_last_heartbeat_report < interval) return;
  m_last_heartbeat_report = now;
  const auto pings = m_app.state.websocket_pings.load();
  const auto pongs = m_app.state.websocket_pongs.load();
  const auto dropped = m_app.state.websocket_dropped.load();
  if (pings == m_reported_pings && pongs == m_reported_pongs && dropped == m_reported_dropped) return;
  // One line per round, in the words the manual greps: `grep "ping\|pong"`.
  m_app.access().info("WebSocket heartbeat: ping sent {}, pong received {}, dropped {} ({} connected)", pings - m_reported_pings,
                  pongs - m_reported_pongs, dropped - m_reported_dropped, m_app.state.websocket_connections.load());
  m_reported_pings = pings;
  m_reported_pongs = pongs;
  m_reported_dropped = dropped;
}

}  // namespace bscbot::daemon
