#pragma once
// The daemon's main loop, on its own thread: it ticks (so /api/health can tell a stuck loop from
// a live socket), reports the WebSocket heartbeat and pets the systemd watchdog; a second
// thread probes the database every second. Trading work is scheduled here too.

#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <mutex>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <thread>

namespace bscbot::daemon {

struct App;

class Worker {
public:
  explicit Worker(App& app);
  ~Worker();

  void start();
  void stop();

  // Runs `job` on the loop's thread every `period`; call before start().
  void every(std::chrono::milliseconds period, std::function<void()> job);

  boost::asio::io_context& context() { return m_ioc; }

private:
  struct Job {
    boost::asio::steady_timer timer;
    std::chrono::milliseconds period;
    std::function<void()> run;
  };

  void turn();
  void schedule(Job& job);
  void probe_database();
  void probe_folders();
  void report_heartbeat();

  App& m_app;
  boost::asio::io_context m_ioc;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> m_guard;
  boost::asio::steady_timer m_timer;
  std::vector<std::unique_ptr<Job>> m_jobs;
  std::thread m_thread;
  std::thread m_prober;
  std::mutex m_probe_mutex;
  std::condition_variable m_probe_cv;
  bool m_probe_stop = false;
  std::chrono::steady_clock::time_point m_last_heartbeat_report;
  std::uint64_t m_reported_pings = 0, m_reported_pongs = 0, m_reported_dropped = 0;
  bool m_watchdog = false;
  std::uint64_t m_seen_log_failures = 0;
  std::string m_logs_state = "unknown", m_backups_state = "unknown";
};

}  // namespace bscbot::daemon
