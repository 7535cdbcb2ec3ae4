// Problem 4 of the manual, "High memory usage": `pm2 describe` (memory, should be < 512 MB),
// `curl .../api/metrics | grep cache_size`, the WebSocket client count; and, where the manual
// reached for a heap snapshot, the RSS trend bscbotd has been sampling all along.
#include <fmt/format.h>

#include "core/checks/system_checks.hpp"
#include "core/db/store.hpp"
#include "core/diagnose/checks.hpp"
#include "core/metrics/window.hpp"
#include "core/util/units.hpp"

namespace bscbot::core::diagnose {

std::vector<Finding> diagnose_memory(const Context& c) {
  std::vector<Finding> out;
  const checks::Levels mb{c.cfg.number("MEMORY_WARN_MB"), c.cfg.number("MEMORY_CRIT_MB")};
  const auto pid = daemon_pid(c);
  const checks::CheckResult rss = checks::check_daemon_memory(*c.edges.proc, pid, mb);
  Finding now{rss.status, fmt::format("bscbotd's resident memory: {} ({})", rss.value, rss.threshold), {}, ""};
  if (!rss.detail.empty()) now.evidence.push_back(rss.detail);
  const auto& body = c.daemon.health.body;
  if (c.daemon.health.reachable && body.is_object()) {
    const int ws = body.value("websocket_connections", 0);
    const int queue = body.value("trade_queue_length", 0);
    const int cache = body.contains("cache") ? body["cache"].value("size", 0) : 0;
    now.evidence.push_back(fmt::format("price cache: {} entries (PRICE_CACHE_TTL_MS={})", cache, c.cfg.integer("PRICE_CACHE_TTL_MS")));
    now.evidence.push_back(fmt::format("WebSocket clients: {} (warn above {}, MAX_CONNECTIONS={})", ws, c.cfg.integer("WS_CONNECTIONS_WARN"),
                                       c.cfg.integer("MAX_CONNECTIONS")));
    now.evidence.push_back(fmt::format("trade queue: {} of TRADE_QUEUE_MAX={}", queue, c.cfg.integer("TRADE_QUEUE_MAX")));
    if (ws > c.cfg.integer("WS_CONNECTIONS_WARN")) now.evidence.push_back("many WebSocket clients hold send buffers: see `bscbot diagnose websocket`");
  }
  if (now.status == Status::warn || now.status == Status::crit) {
    now.fix = "bscbot daemon restart (clears the cache) in a quiet hour; lower PRICE_CACHE_TTL_MS or MAX_CONNECTIONS; under systemd set "
              "MemoryMax= so a leak restarts bscbotd instead of the host";
  } else if (now.status == Status::unknown && !pid) {
    now.fix = "bscbot diagnose service";
  }
  out.push_back(std::move(now));

  // The trend over the window, from the rss_bytes samples.
  try {
    auto store = db::open_store(c.cfg, db::Access::read_only);
    const auto series = store->samples().available()
                            ? store->samples().series(std::string(metrics::sample::rss_bytes), c.now - c.options.window, 100000)
                            : std::vector<db::TimedValue>{};
    if (series.size() < 2) {
      out.push_back({Status::ok, fmt::format("{} memory sample(s) in the last {} h: no trend yet", series.size(), c.options.window.count()),
                     {fmt::format("bscbotd stores one every METRIC_SAMPLE_INTERVAL_S={} s", c.cfg.integer("METRIC_SAMPLE_INTERVAL_S"))}, ""});
      return out;
    }
    double peak = 0;
    for (const auto& s : series) peak = std::max(peak, s.value);
    const auto& first = series.front();
    const auto& last = series.back();
    const double hours = std::max(1.0 / 3600.0, std::chrono::duration<double, std::ratio<3600>>(last.sampled_at - first.sampled_at).count());
    const double per_hour = (last.value - first.value) / hours;
    std::vector<std::string> evidence = {
        fmt::format("{} samples from {} to {}: {} -> {}, peak {}", series.size(), to_sql_datetime(first.sampled_at), to_sql_datetime(last.sampled_at),
                    bytes_text(first.value),
                    bytes_text(last.value), bytes_text(peak)),
        fmt::format("change: {}{} per hour", per_hour < 0 ? "-" : "+", bytes_text(std::abs(per_hour)))};
    const double crit_bytes = mb.crit * 1024 * 1024;
    // Minutes of samples say nothing about a leak: a fresh daemon's memory grows as it warms up.
    if (hours < 1) evidence.push_back("under an hour of samples: too short to judge a leak");
    if (per_hour > 0 && last.value < crit_bytes && series.size() >= 3 && hours >= 1) {
      const double hours_left = (crit_bytes - last.value) / per_hour;
      evidence.push_back(fmt::format("at this rate it passes MEMORY_CRIT_MB={} in {} h", mb.crit, checks::number_text(hours_left, 1)));
      if (hours_left < 24) {
        out.push_back({Status::warn, fmt::format("memory grows steadily (+{} per hour): a leak is likely", bytes_text(per_hour)), evidence,
                       "restart bscbotd before it passes the limit, and report the trend (this output) with the version"});
        return out;
      }
    }
    out.push_back({Status::ok, fmt::format("memory trend over {} h: {}{} per hour", checks::number_text(hours, 1), per_hour < 0 ? "-" : "+",
                                           bytes_text(std::abs(per_hour))),
                   evidence, ""});
  } catch (const std::exception& e) {
    out.push_back({Status::unknown, std::string("the memory samples cannot be read: ") + e.what(), {}, "bscbot diagnose database"});
  }
  return out;
}

}  // namespace bscbot::core::diagnose
