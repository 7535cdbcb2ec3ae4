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
#include "core/process/pid_file.hpp"

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
  bool stale_pid_file = false;              // a pid file naming no process, or not this deployment's bscbotd
  std::string pid_file_note;                // why the pid file was not trusted (check_pid_file's detail)
  std::string url;                          // base URL, e.g. http://127.0.0.1:10001
  HealthProbe health;
  bool running() const { return pid.has_value(); }
};

struct DaemonOptions {
  std::filesystem::path bscbotd;            // executable
  std::optional<std::filesystem::path> config_file;
  std::map<std::string, std::string> env_overrides;  // command-line settings passed on to the daemon
  // The folder it runs in, where it reads ./bscbot.yaml and ./.env (a drill's scratch deployment);
  // empty: ours.
  std::filesystem::path working_dir;
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

  struct StopResult {
    bool stopped = false;   // a running daemon was stopped
    std::string note;       // why the pid file was set aside, when it named no daemon of ours
  };

  // Sends SIGTERM to this deployment's bscbotd (core/process/pid_file.hpp decides which process
  // that is) and waits for the exit. With `force`, SIGKILL follows a timeout instead of an error.
  // A stale pid file, or one naming another process, is removed and nothing is signalled; an
  // old-style pid file naming a live bscbotd is refused (core::Error(conflict)).
  StopResult stop(std::chrono::milliseconds timeout, bool force) const;

  // GET /api/health.
  HealthProbe probe(std::chrono::milliseconds timeout) const;

private:
  const config::Config& m_cfg;
  DaemonOptions m_options;
};

// Stops `pid` if it is still the process with `identity`: SIGTERM, then with `force` SIGKILL after
// `timeout` (without it, core::Error(conflict)). Returns false when it was no longer running.
bool stop_process(pid_t pid, const ProcessIdentity& identity, std::chrono::milliseconds timeout, bool force);

// bscbotd beside the running executable, unless BSCBOTD_PATH says otherwise.
std::filesystem::path default_bscbotd_path(const config::Config& cfg);

}  // namespace bscbot::core::process
