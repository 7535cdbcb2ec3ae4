#include "daemon/integrity_watch.hpp"

#include "core/checks/integrity_verdict.hpp"
#include "core/db/store.hpp"
#include "daemon/app.hpp"

namespace bscbot::daemon {

IntegrityWatch::IntegrityWatch(App& app) : m_app(app) {}

IntegrityWatch::~IntegrityWatch() { stop(); }

void IntegrityWatch::start() {
  const auto every = std::chrono::seconds(m_app.cfg.integer("DB_INTEGRITY_INTERVAL_S"));
  m_thread = std::thread([this, every] {
    std::unique_lock lock(m_mutex);
    do {
      lock.unlock();
      check_once();
      lock.lock();
    } while (!m_cv.wait_for(lock, every, [this] { return m_stop; }));
  });
}

void IntegrityWatch::stop() {
  if (!m_thread.joinable()) return;
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_cv.notify_all();
  m_thread.join();
}

void IntegrityWatch::check_once() {
  try {
    // A connection of its own, opened for each check: nothing held between checks, and a
    // database restored under a stopped bscbotd is the one checked.
    auto store = core::db::open_store(m_app.cfg, core::db::Access::read_only);
    auto verdict = core::checks::run_integrity_check(*store, core::db::CheckDepth::quick, core::system_clock());
    const bool ok = verdict.result == "ok";
    if (!ok) {
      m_app.log->error("Database integrity: {} of {} found: {}", verdict.method, verdict.location, verdict.result);
    } else if (!m_last_ok) {
      m_app.log->info("Database integrity: {} is ok again", verdict.method);
    }
    m_last_ok = ok;
    m_app.state.set_integrity(std::move(verdict));
  } catch (const std::exception& e) {
    // No new verdict: the old one ages, and `bscbot health` checks for itself once it is stale.
    m_app.log->warn("Database integrity check could not run: {}", e.what());
  }
}

}  // namespace bscbot::daemon
