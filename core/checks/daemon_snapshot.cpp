#include "core/checks/daemon_snapshot.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/net/http_client.hpp"

namespace bscbot::core::checks {

DaemonSnapshot take_daemon_snapshot(const config::Config& cfg, std::chrono::milliseconds timeout) {
  const process::DaemonControl control(cfg, process::DaemonOptions{});
  const process::DaemonStatus status = control.status(timeout);
  DaemonSnapshot snap;
  snap.url = status.url;
  snap.pid = status.pid;
  snap.stale_pid_file = status.stale_pid_file;
  snap.health = status.health;
  if (!snap.health.reachable) return snap;
  try {
    const net::HttpResponse r = net::get(snap.url + "/api/metrics", timeout);
    if (r.status == 200) snap.scrape = metrics::parse_exposition(r.body);
    else snap.scrape_error = fmt::format("/api/metrics answered HTTP {}", r.status);
  } catch (const Error& e) {
    snap.scrape_error = e.what();
  }
  return snap;
}

}  // namespace bscbot::core::checks
