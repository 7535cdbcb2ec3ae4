#include "daemon/worker.hpp"

#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include <boost/asio/post.hpp>
#include <filesystem>

#include "core/db/database.hpp"
#include "core/db/probe.hpp"
#include "core/util/files.hpp"
#include "daemon/app.hpp"

namespace fs = std::filesystem;

namespace bscbot::daemon {

namespace {

constexpr auto k_turn = std::chrono::milliseconds(1000);

ino_t inode_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

}  // namespace

Worker::Worker(App& app) : m_app(app), m_timer(m_ioc), m_last_heartbeat_report(std::chrono::steady_clock::now()) {
  std::uint64_t usec = 0;
  m_watchdog = sd_watchdog_enabled(0, &usec) > 0;
}

Worker::~Worker() { stop(); }

void Worker::start() {
  m_guard = std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(m_ioc.get_executor());
  turn();
  m_thread = std::thread([this] { m_ioc.run(); });
}

void Worker::stop() {
  if (!m_thread.joinable()) return;
  boost::asio::post(m_ioc, [this] {
    m_timer.cancel();
    for (auto& j : m_jobs) j->timer.cancel();
    m_guard.reset();
  });
  m_thread.join();
  m_db.reset();
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
  probe_database();
  report_heartbeat();
  m_app.state.tick();
  if (m_watchdog) sd_notify(0, "WATCHDOG=1");
  m_timer.expires_after(k_turn);
  m_timer.async_wait([this](boost::system::error_code ec) {
    if (!ec) turn();
  });
}

void Worker::probe_database() {
  DbProbe probe;
  probe.checked = std::chrono::steady_clock::now();
  const std::string& path = m_app.db_path;
  try {
    probe.free_bytes = core::available_bytes(fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path());
  } catch (const std::exception&) {
    probe.free_bytes = 0;
  }
  std::error_code ec;
  probe.file_bytes = fs::file_size(path, ec);
  const ino_t inode = inode_of(path);
  if (inode == 0) {
    probe.state = DbState::missing;
    probe.error = "database file " + path + " is gone";
  } else if (m_inode != 0 && inode != m_inode) {
    // Someone replaced the file under us (a `cp` restore): our connections still write the old one.
    probe.state = DbState::replaced;
    probe.error = "database file was replaced while bscbotd was running; restart bscbotd (use `bscbot restore`)";
  } else {
    try {
      if (!m_db) {
        m_db = core::db::open_database(path, core::db::Access::read_write, static_cast<int>(m_app.cfg.integer("DB_BUSY_TIMEOUT_MS")));
        m_inode = inode;
      }
      const core::db::WriteProbe w = core::db::probe_writable(*m_db);
      probe.state = w.state;
      probe.error = w.error;
      if (w.state == DbState::error) m_db.reset();
    } catch (const std::exception& e) {
      probe.state = DbState::error;
      probe.error = e.what();
      m_db.reset();
    }
  }
  if (probe.state == DbState::ok && probe.free_bytes < core::db::k_min_free_bytes) {
    probe.state = DbState::disk_full;
    probe.error = "less than 1 MiB free on the database's filesystem";
  }
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
  m_app.log->info("WebSocket heartbeat: ping sent {}, pong received {}, dropped {} ({} connected)", pings - m_reported_pings,
                  pongs - m_reported_pongs, dropped - m_reported_dropped, m_app.state.websocket_connections.load());
  m_reported_pings = pings;
  m_reported_pongs = pongs;
  m_reported_dropped = dropped;
}

}  // namespace bscbot::daemon
