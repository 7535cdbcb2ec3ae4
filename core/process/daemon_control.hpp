#pragma once
// Starting, stopping and asking after bscbotd: what `bscbot daemon` does, and what restore and
// the drill reuse so that there is one way to stop the daemon.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/config/config.hpp"

namespace bscbot::core::process {

struct HealthProbe {
  bool reachable = false;
  long http_status = 0;
  nlohmann::json body;                      // the /api/health answer, when JSON
  std::chrono::microseconds elapsed{0};
  std::string error;                        // why it was unreachable
  bool healthy() const { return reachable && http_status == 200; }
};

struct DaemonStatus {
  std::optional<pid_t> pid;                 // the running bscbotd, from the pid file
  bool stale_pid_file = false;              // a pid file naming a process that is not bscbotd
  std::string url;                          // base URL, e.g. http://127.0.0.1:10001
  HealthProbe health;
  bool running() const { return pid.has_value(); }
};

struct DaemonOptions {
  std::filesystem::path bscbotd;            // executable
  std::optional<std::filesystem::path> config_file;
  std::map<std::string, std::string> env_overrides;  // command-line settings passed on to the daemon
};

class DaemonControl {
public:
  DaemonControl(const config::Config& cfg, DaemonOptions options);

  // Base URL from HOST and PORT (a wildcard HOST is probed on loopback).
  std::string base_url() const;

  DaemonStatus status(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) const;

  // Starts bscbotd in the background (own session, output appended to LOG_DIR/bscbotd.out) and
  // waits until /api/health answers or `timeout` passes. Throws core::Error(conflict) when it is
  // already running, core::Error(unavailable) with the daemon's last output when it dies early.
  pid_t start(std::chrono::milliseconds timeout) const;

  // Sends SIGTERM and waits for the exit. With `force`, SIGKILL follows a timeout instead of an
  // error. Returns false when no daemon was running.
  bool stop(std::chrono::milliseconds timeout, bool force) const;

  // GET /api/health.
  HealthProbe probe(std::chrono::milliseconds timeout) const;

private:
  const config::Config& m_cfg;
  DaemonOptions m_options;
};

// bscbotd beside the running executable, unless BSCBOTD_PATH says otherwise.
std::filesystem::path default_bscbotd_path(const config::Config& cfg);

}  // namespace bscbot::core::process
