#pragma once
// The daemon as restore sees it: is it running, stop it, start it again. bscbot passes the real
// one (the pid file, SIGTERM and /api/health: the same mechanism as `bscbot daemon stop/start`);
// tests pass a fake to make a start fail on purpose.
#include <sys/types.h>

#include <chrono>
#include <optional>

#include "core/process/daemon_control.hpp"

namespace bscbot::core::backup {

class DaemonHandle {
public:
  virtual ~DaemonHandle() = default;
  // The pid of the running daemon of this deployment, or nullopt.
  virtual std::optional<pid_t> running() = 0;
  // Stops it and waits for the exit; throws core::Error when it does not stop.
  virtual void stop() = 0;
  // Starts it and waits until /api/health says its database is usable; returns the pid or throws
  // core::Error.
  virtual pid_t start() = 0;
};

class ProcessDaemon final : public DaemonHandle {
public:
  ProcessDaemon(process::DaemonControl control, std::chrono::milliseconds stop_timeout, std::chrono::milliseconds start_timeout);
  std::optional<pid_t> running() override;
  void stop() override;
  pid_t start() override;

private:
  process::DaemonControl m_control;
  std::chrono::milliseconds m_stop_timeout;
  std::chrono::milliseconds m_start_timeout;
};

}  // namespace bscbot::core::backup
