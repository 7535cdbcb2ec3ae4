#pragma once
// bscbotd's scheduled integrity check: the database's quick check every DB_INTEGRITY_INTERVAL_S
// on a thread and a read-only connection of its own (it reads every page: seconds at 10 GB, so
// never on the worker loop), its verdict kept in RuntimeState for /api/health and the metrics,
// where `bscbot health` picks it up instead of checking again (core/checks/integrity_verdict).
#include <condition_variable>
#include <mutex>
#include <thread>

namespace bscbot::daemon {

struct App;

class IntegrityWatch {
public:
  explicit IntegrityWatch(App& app);
  ~IntegrityWatch();
  IntegrityWatch(const IntegrityWatch&) = delete;
  IntegrityWatch& operator=(const IntegrityWatch&) = delete;

  void start();  // the first check at once, then every interval
  void stop();

private:
  void check_once();

  App& m_app;
  std::thread m_thread;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_stop = false;
  bool m_last_ok = true;
};

}  // namespace bscbot::daemon
