#include "core/backup/daemon_handle.hpp"

#include <fmt/format.h>

#include <fstream>
#include <thread>

#include "core/error.hpp"

namespace bscbot::core::backup {

namespace {

// The systemd unit supervising `pid` ("bscbotd.service"), from its cgroup; empty when none.
std::string systemd_unit_of(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/cgroup", pid));
  std::string line;
  while (std::getline(in, line)) {
    const auto slash = line.rfind('/');
    if (slash == std::string::npos) continue;
    const std::string leaf = line.substr(slash + 1);
    if (leaf.starts_with("bscbotd") && leaf.ends_with(".service")) return leaf;
  }
  return {};
}

}  // namespace

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
  if (s.pid) {
    const std::string unit = systemd_unit_of(*s.pid);
    if (!unit.empty()) {
      // Stopping it behind systemd's back and starting an unsupervised one would be worse.
      throw Error(ErrorKind::conflict, fmt::format("bscbotd (pid {}) runs under systemd as {}; run `systemctl stop {}`, then restore "
                                                   "(it leaves a stopped daemon stopped), then `systemctl start {}`",
                                                   *s.pid, unit, unit, unit));
    }
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
