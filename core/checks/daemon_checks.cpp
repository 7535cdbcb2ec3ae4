#include "core/checks/daemon_checks.hpp"

#include <fmt/format.h>

#include "core/metrics/window.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::checks {

namespace {

constexpr const char* k_group = "daemon";

CheckResult make(std::string name) { return CheckResult{std::move(name), k_group, Status::unknown, "-", "", "", std::nullopt}; }

// Why a daemon-answered check has no value, or nothing when it can be answered.
std::optional<std::string> unreachable(const DaemonSnapshot& snap) {
  if (!snap.health.reachable) return "bscbotd does not answer on " + snap.url;
  if (!snap.health.body.is_object()) return fmt::format("/api/health answered HTTP {} without JSON", snap.health.http_status);
  return std::nullopt;
}

std::optional<double> number_at(const nlohmann::json& j, std::initializer_list<const char*> path) {
  const nlohmann::json* node = &j;
  for (const char* key : path) {
    if (!node->is_object() || !node->contains(key)) return std::nullopt;
    node = &(*node)[key];
  }
  if (!node->is_number()) return std::nullopt;
  return node->get<double>();
}

std::string text_at(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

}  // namespace

CheckResult check_daemon(const DaemonSnapshot& snap) {
  CheckResult r = make("daemon");
  r.threshold = "HTTP 200 and status ok";
  const auto& h = snap.health;
  if (!h.reachable) {
    r.status = Status::crit;
    r.value = "down";
    r.detail = snap.pid ? fmt::format("bscbotd (pid {}) runs but does not answer on {}: {}", *snap.pid, snap.url, h.error)
                        : fmt::format("bscbotd is not running ({} refused: {}){}; start it with `bscbot daemon start`", snap.url,
                                      h.error, snap.stale_pid_file ? "; the pid file is stale" : "");
    return r;
  }
  const std::string status = text_at(h.body, "status");
  r.value = status.empty() ? fmt::format("HTTP {}", h.http_status) : status;
  if (h.http_status == 200 && status == "ok") {
    r.status = Status::ok;
    const auto uptime = number_at(h.body, {"uptime_seconds"}).value_or(0);
    r.detail = fmt::format("bscbotd {} on {}, pid {}, up {}", text_at(h.body, "version"), snap.url,
                           number_text(number_at(h.body, {"pid"}).value_or(0), 0),
                           format_duration(std::chrono::milliseconds(static_cast<long long>(uptime * 1000))));
    return r;
  }
  r.status = Status::crit;
  if (!h.body.is_object() || status.empty()) {
    r.detail = fmt::format("{} answered HTTP {} without bscbotd's health document: is another program on this port?", snap.url,
                           h.http_status);
  } else {
    const std::string reason = text_at(h.body, "reason");
    r.detail = fmt::format("HTTP {}: {}", h.http_status, reason.empty() ? std::string("unhealthy") : reason);
  }
  return r;
}

CheckResult check_response_time(const DaemonSnapshot& snap, Levels ms) {
  CheckResult r = make("response_time");
  r.threshold = rising_text(ms, "ms");
  if (!snap.health.reachable) {
    r.detail = "bscbotd does not answer on " + snap.url;
    return r;
  }
  const double took = static_cast<double>(snap.health.elapsed.count()) / 1000.0;
  r.number = took;
  r.value = number_text(took, 1) + " ms";
  r.status = rising(took, ms);
  r.detail = "round trip of GET /api/health";
  return r;
}

namespace {

// The P95 of one of the daemon's latency histograms against rising levels in milliseconds.
struct P95Spec {
  const char* id;
  const char* metric;
  int digits;
  const char* none;  // the detail when nothing has been measured yet
  const char* what;  // "requests", "queries"
};

CheckResult check_histogram_p95(const DaemonSnapshot& snap, Levels ms, const P95Spec& spec) {
  CheckResult r = make(spec.id);
  r.threshold = rising_text(ms, "ms");
  if (const auto why = unreachable(snap)) {
    r.detail = *why;
    return r;
  }
  if (!snap.scrape) {
    r.detail = "no metrics: " + snap.scrape_error;
    return r;
  }
  const metrics::Histogram h = metrics::histogram(*snap.scrape, spec.metric);
  const auto p95 = metrics::quantile(h, 0.95);
  if (!p95) {
    r.status = Status::ok;
    r.detail = spec.none;
    return r;
  }
  r.number = *p95 * 1000;
  r.value = number_text(*r.number, spec.digits) + " ms";
  r.status = rising(*r.number, ms);
  r.detail = fmt::format("P95 of {} {} since bscbotd started (average {} ms)", number_text(h.count, 0), spec.what,
                         number_text(h.count > 0 ? h.sum / h.count * 1000 : 0, 2));
  return r;
}

}  // namespace

CheckResult check_request_p95(const DaemonSnapshot& snap, Levels ms) {
  return check_histogram_p95(snap, ms, {"request_p95", "http_request_duration_seconds", 1, "no requests answered yet", "requests"});
}

CheckResult check_error_rate(const DaemonSnapshot& snap, Levels percent) {
  CheckResult r = make("error_rate");
  r.threshold = rising_text(percent, "%");
  if (const auto why = unreachable(snap)) {
    r.detail = *why;
    return r;
  }
  if (!snap.scrape) {
    r.detail = "no metrics: " + snap.scrape_error;
    return r;
  }
  const double total = metrics::sum(*snap.scrape, "http_requests_total");
  const double errors = metrics::counters_from(*snap.scrape).errors_5xx;
  if (total <= 0) {
    r.status = Status::ok;
    r.detail = "no requests answered yet";
    return r;
  }
  r.number = errors * 100.0 / total;
  r.value = number_text(*r.number, 2) + " %";
  r.status = rising(*r.number, percent);
  r.detail = fmt::format("{} of {} answers since bscbotd started had a 5xx status", number_text(errors, 0), number_text(total, 0));
  return r;
}

CheckResult check_websockets(const DaemonSnapshot& snap, Levels connections) {
  CheckResult r = make("websocket_connections");
  r.threshold = rising_text(connections, "");
  if (const auto why = unreachable(snap)) {
    r.detail = *why;
    return r;
  }
  const auto n = number_at(snap.health.body, {"websocket_connections"});
  if (!n) {
    r.detail = "/api/health carries no websocket_connections";
    return r;
  }
  r.number = *n;
  r.value = number_text(*n, 0);
  r.status = rising(*n, connections);
  r.detail = "clients connected to /ws";
  return r;
}

CheckResult check_cache_hit_rate(const DaemonSnapshot& snap, Levels percent) {
  CheckResult r = make("cache_hit_rate");
  r.threshold = falling_text(percent, "%");
  if (const auto why = unreachable(snap)) {
    r.detail = *why;
    return r;
  }
  const auto hits = number_at(snap.health.body, {"cache", "hits"});
  const auto misses = number_at(snap.health.body, {"cache", "misses"});
  if (!hits || !misses) {
    r.detail = "/api/health carries no cache counts";
    return r;
  }
  const double lookups = *hits + *misses;
  if (lookups <= 0) {
    r.status = Status::ok;
    r.detail = "no price lookups since bscbotd started";
    return r;
  }
  r.number = *hits * 100.0 / lookups;
  r.value = number_text(*r.number, 1) + " %";
  r.status = falling(*r.number, percent);
  r.detail = fmt::format("{} hits, {} misses since bscbotd started", number_text(*hits, 0), number_text(*misses, 0));
  return r;
}

CheckResult check_trade_queue(const DaemonSnapshot& snap, std::int64_t queue_max, double warn_percent) {
  CheckResult r = make("trade_queue");
  const Levels levels{static_cast<double>(queue_max) * warn_percent / 100.0, static_cast<double>(queue_max) - 1};
  r.threshold = fmt::format("warn >= {} ({} % of TRADE_QUEUE_MAX), crit at {} (full)", number_text(levels.warn, 0),
                            number_text(warn_percent, 0), queue_max);
  if (const auto why = unreachable(snap)) {
    r.detail = *why;
    return r;
  }
  const auto n = number_at(snap.health.body, {"trade_queue_length"});
  if (!n) {
    r.detail = "/api/health carries no trade_queue_length";
    return r;
  }
  r.number = *n;
  r.value = number_text(*n, 0);
  r.status = rising(*n, levels);
  r.detail = fmt::format("swaps waiting, of at most {}", queue_max);
  return r;
}

CheckResult check_query_p95(const DaemonSnapshot& snap, Levels ms) {
  return check_histogram_p95(snap, ms, {"db_query_p95", "db_query_duration_seconds", 2, "no database queries since bscbotd started", "queries"});
}

CheckResult check_db_connection_errors(const DaemonSnapshot& snap, double crit) {
  CheckResult r = make("db_connection_errors");
  r.threshold = fmt::format("warn >= 1, crit > {}", number_text(crit, 0));
  if (const auto why = unreachable(snap)) {
    r.detail = *why;
    return r;
  }
  if (!snap.scrape) {
    r.detail = "no metrics: " + snap.scrape_error;
    return r;
  }
  const auto n = metrics::value(*snap.scrape, "db_connection_errors");
  if (!n) {
    r.detail = "/api/metrics carries no db_connection_errors";
    return r;
  }
  r.number = *n;
  r.value = number_text(*n, 0);
  r.status = rising(*n, Levels{1, crit});
  r.detail = "failures to get or keep a database connection since bscbotd started";
  return r;
}

}  // namespace bscbot::core::checks

namespace bscbot::core::checks {

CheckResult check_chain(const DaemonSnapshot& snap) {
  CheckResult r = make("chain");
  r.threshold = "state ok with every RPC endpoint answering (CHAIN_ENABLED=true), or disabled";
  if (const auto why = unreachable(snap)) {
    r.detail = *why;
    return r;
  }
  const nlohmann::json& chain = snap.health.body.contains("chain") ? snap.health.body["chain"] : nlohmann::json();
  const std::string state = text_at(chain, "state");
  if (state.empty()) {
    r.detail = "/api/health carries no chain state";
    return r;
  }
  r.value = state;
  const std::string detail = text_at(chain, "detail");
  if (state == "disabled") {
    r.status = Status::ok;
    r.detail = "CHAIN_ENABLED=false: bscbotd does not talk to the chain";
  } else if (state == "ok") {
    r.status = Status::ok;
    const auto block = number_at(chain, {"block_number"});
    r.detail = block ? fmt::format("block {}", number_text(*block, 0)) : "connected";
    // The chain answers, but through fewer endpoints than configured: one more failure and
    // it does not. Said while an endpoint is skipped or has not answered since it failed.
    std::vector<std::string> failing;
    std::size_t total = 0;
    for (const char* list : {"endpoints", "private_endpoints"}) {
      if (!chain.contains(list) || !chain[list].is_array()) continue;
      for (const auto& e : chain[list]) {
        ++total;
        const std::string s = text_at(e, "state");
        if (s.empty() || s == "ok") continue;
        const std::string err = text_at(e, "last_error");
        failing.push_back(fmt::format("{} {}{}", text_at(e, "url"), s, err.empty() ? "" : ": " + err));
      }
    }
    if (!failing.empty()) {
      r.status = Status::warn;
      r.detail += fmt::format("; {} of {} RPC endpoints failing ({})", failing.size(), total, fmt::join(failing, "; "));
    }
  } else if (state == "connecting") {
    r.detail = detail.empty() ? "bscbotd is still connecting to the node" : detail;
  } else {
    // unavailable (no endpoint answers) or refused (wrong chain id): no swap can be sent.
    r.status = Status::crit;
    std::vector<std::string> failing;
    r.detail = detail.empty() ? "the chain cannot be used" : detail;
    if (chain.contains("endpoints") && chain["endpoints"].is_array()) {
      for (const auto& e : chain["endpoints"]) {
        // Each endpoint's last error once: the detail often quotes the last one already.
        const std::string err = text_at(e, "last_error");
        if (!err.empty() && r.detail.find(err) == std::string::npos) failing.push_back(fmt::format("{}: {}", text_at(e, "url"), err));
      }
    }
    if (!failing.empty()) r.detail += fmt::format(" ({})", fmt::join(failing, "; "));
  }
  return r;
}

}  // namespace bscbot::core::checks
