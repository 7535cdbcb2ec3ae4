#include "core/backup/daemon_handle.hpp"

#include <fmt/format.h>

#include <thread>

#include "core/error.hpp"

namespace bscbot::core::backup {

ProcessDaemon::ProcessDaemon(process::DaemonControl control, std::chrono::milliseconds stop_timeout,
                             std::chrono::milliseconds start_timeout)
    : m_control(std::move(control)), m_stop_timeout(stop_timeout), m_start_timeout(start_timeout) {}

std::optional<pid_t> ProcessDaemon::running() {
  const process::DaemonStatus s = m_control.status(std::chrono::milliseconds(1000));
  if (!s.running() && s.health.reachable && s.health.body.is_object() && s.health.body.contains("pid")) {
    // Something answers on our port but our pid file does not name it: we could not stop it, and
    // swapping its database under it is what restore exists to prevent.
    throw Error(ErrorKind::conflict,
                fmt::format("a bscbotd answers on {} but the pid file does not name it; stop it first (it may be managed by "
                            "systemd: `systemctl stop bscbotd`)",
                            s.url));
  }
  return s.pid;
}

void ProcessDaemon::stop() { m_control.stop(m_stop_timeout, /*force=*/false); }

pid_t ProcessDaemon::start() {
  const pid_t pid = m_control.start(m_start_timeout);
  // start() returns once the daemon answers; its worker probes the database within a second.
  const auto deadline = std::chrono::steady_clock::now() + m_start_timeout;
  process::HealthProbe probe;
  while (std::chrono::steady_clock::now() < deadline) {
    probe = m_control.probe(std::chrono::milliseconds(1000));
    if (probe.healthy()) return pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const std::string reason = probe.body.is_object() ? probe.body.value("reason", std::string("unhealthy")) : probe.error;
  throw Error(ErrorKind::unavailable, fmt::format("bscbotd started (pid {}) but is not healthy: {}", pid, reason));
}

}  // namespace bscbot::core::backup
