#pragma once
// bscbotd's notifier, on its own thread so a slow mail server or a retry backoff never holds up
// the worker loop (whose tick /api/health watches) or a request: every NOTIFY_HEALTH_INTERVAL_S
// it runs the health checks `bscbot health` runs and reports their transitions, every few
// seconds it escalates unacknowledged alerts, and it delivers what POST /api/v1/alerts queued.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/checks/disk_io.hpp"
#include "core/notify/channels.hpp"
#include "core/notify/notifier.hpp"

namespace bscbot::daemon {

struct App;

class NotifyService {
public:
  explicit NotifyService(App& app);
  ~NotifyService();
  NotifyService(const NotifyService&) = delete;
  NotifyService& operator=(const NotifyService&) = delete;

  // Starts the thread; `at_start` (e.g. the unclean-stop notice) is reported first.
  void start(std::vector<core::notify::Event> at_start);
  // Stops waiting retries and joins the thread.
  void stop();

  // Queues events for delivery and returns at once (Alertmanager wants a quick answer).
  void enqueue(std::vector<core::notify::Event> events);

private:
  void run();
  void report(const std::vector<core::notify::Event>& events, const char* what);
  void evaluate_health();
  // Waits up to `d` unless stopping; false when stopping.
  bool wait(std::chrono::milliseconds d);

  App& m_app;
  core::notify::CurlSender m_sender;
  core::notify::Notifier m_notifier;
  std::thread m_thread;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_stopping = false;
  std::deque<std::vector<core::notify::Event>> m_queue;
  // The last run's /proc/diskstats reading: disk_io then spans NOTIFY_HEALTH_INTERVAL_S.
  std::optional<core::checks::DiskIoReading> m_disk_io;
};

}  // namespace bscbot::daemon
