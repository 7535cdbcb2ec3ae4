#pragma once
// What `bscbot health` learns from a running bscbotd in two requests: /api/health (reachable,
// healthy, WebSocket clients, trade queue, cache) and /api/metrics (request and query
// histograms, error counts, CPU), plus the pid from the pid file.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/metrics/exposition.hpp"
#include "core/process/daemon_control.hpp"

namespace bscbot::core::checks {

struct DaemonSnapshot {
  std::string url;                                    // e.g. http://127.0.0.1:10001
  std::optional<pid_t> pid;                           // a live bscbotd named by the pid file
  bool stale_pid_file = false;
  process::HealthProbe health;                        // GET /api/health
  std::optional<std::vector<metrics::Sample>> scrape; // GET /api/metrics, when it answered 200
  std::string scrape_error;
};

// Asks the daemon configured by `cfg`; never throws for an unreachable daemon (the snapshot
// says so instead).
DaemonSnapshot take_daemon_snapshot(const config::Config& cfg, std::chrono::milliseconds timeout);

}  // namespace bscbot::core::checks
