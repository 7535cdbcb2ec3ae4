#include "daemon/notify_service.hpp"

#include <fmt/format.h>

#include "core/checks/health.hpp"
#include "core/notify/render.hpp"
#include "core/notify/sources.hpp"
#include "daemon/app.hpp"

namespace bscbot::daemon {

namespace {

constexpr auto k_escalation_period = std::chrono::seconds(5);

}  // namespace

NotifyService::NotifyService(App& app)
    : m_app(app),
      m_sender(app.cfg),
      m_notifier(app.cfg, core::notify::NotifyEdges{&core::system_clock(), &m_sender, [this](std::chrono::milliseconds d) { return wait(d); }}) {}

NotifyService::~NotifyService() { stop(); }

void NotifyService::start(std::vector<core::notify::Event> at_start) {
  if (!at_start.empty()) m_queue.push_back(std::move(at_start));
  m_thread = std::thread([this] { run(); });
}

void NotifyService::stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_cv.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

void NotifyService::enqueue(std::vector<core::notify::Event> events) {
  {
    std::lock_guard lock(m_mutex);
    m_queue.push_back(std::move(events));
  }
  m_cv.notify_all();
}

bool NotifyService::wait(std::chrono::milliseconds d) {
  std::unique_lock lock(m_mutex);
  return !m_cv.wait_for(lock, d, [this] { return m_stopping; });
}

void NotifyService::report(const std::vector<core::notify::Event>& events, const char* what) {
  try {
    const auto r = m_notifier.report(events);
    for (const auto& d : r.deliveries) {
      if (d.ok) {
        m_app.log->info("Notification sent to {} ({}): {}", d.destination.describe(), fmt::join(d.ids, ", "),
                        fmt::join(d.destination.contacts, ", "));
      } else {
        m_app.log->warn("Notification to {} failed after {} attempt(s): {}", d.destination.describe(), d.attempts, d.error);
      }
    }
    for (const auto& i : r.undelivered) m_app.log->error("Notification {} reached nobody: {}", i.id, i.event.what);
    for (const auto& p : r.problems) m_app.log->warn("Notification routing: {}", p);
  } catch (const std::exception& e) {
    m_app.log->error("Notifications of {} not processed: {}", what, e.what());
  }
}

void NotifyService::evaluate_health() {
  core::checks::HealthOptions options;
  options.disk_io_since = m_disk_io;
  auto edges = core::checks::real_edges(m_app.cfg, options.timeout);
  const auto health = core::checks::run_health(m_app.cfg, options, edges);
  m_disk_io = health.disk_io_last;
  report(core::notify::health_events(health, "bscbotd health checks"), "the health checks");
}

void NotifyService::run() {
  using clock = std::chrono::steady_clock;
  const auto interval = std::chrono::seconds(m_app.cfg.integer("NOTIFY_HEALTH_INTERVAL_S"));
  auto next_health = clock::now() + interval;
  auto next_escalation = clock::now() + k_escalation_period;
  while (true) {
    std::vector<std::vector<core::notify::Event>> batches;
    {
      std::unique_lock lock(m_mutex);
      auto deadline = next_escalation;
      if (interval.count() > 0) deadline = std::min(deadline, next_health);
      m_cv.wait_until(lock, deadline, [this] { return m_stopping || !m_queue.empty(); });
      if (m_stopping) return;
      while (!m_queue.empty()) {
        batches.push_back(std::move(m_queue.front()));
        m_queue.pop_front();
      }
    }
    for (const auto& b : batches) report(b, "queued alerts");
    const auto now = clock::now();
    if (interval.count() > 0 && now >= next_health) {
      try {
        evaluate_health();
      } catch (const std::exception& e) {
        m_app.log->error("Health evaluation for notifications failed: {}", e.what());
      }
      next_health = clock::now() + interval;
    }
    if (now >= next_escalation) {
      try {
        const auto r = m_notifier.escalate_due();
        for (const auto& i : r.sent) m_app.log->warn("Escalated {} (not acknowledged): {}", i.id, i.event.what);
        for (const auto& i : r.undelivered) m_app.log->error("Escalation of {} reached nobody", i.id);
      } catch (const std::exception& e) {
        m_app.log->error("Escalation check failed: {}", e.what());
      }
      next_escalation = clock::now() + k_escalation_period;
    }
  }
}

}  // namespace bscbot::daemon
