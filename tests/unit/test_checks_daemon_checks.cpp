#include <doctest/doctest.h>

#include <fmt/format.h>

#include "core/checks/daemon_checks.hpp"

using namespace bscbot::core;
using namespace bscbot::core::checks;
using nlohmann::json;

namespace {

json healthy_body() {
  return {{"status", "ok"},
          {"version", "0.1.0"},
          {"pid", 4242},
          {"uptime_seconds", 61.5},
          {"websocket_connections", 3},
          {"trade_queue_length", 0},
          {"cache", {{"hits", 0}, {"misses", 0}, {"size", 0}, {"hit_rate", nullptr}}}};
}

DaemonSnapshot reachable(json body, long status = 200, std::string scrape = "") {
  DaemonSnapshot s;
  s.url = "http://127.0.0.1:10001";
  s.health.reachable = true;
  s.health.http_status = status;
  s.health.body = std::move(body);
  s.health.elapsed = std::chrono::microseconds(1500);
  if (!scrape.empty()) s.scrape = metrics::parse_exposition(scrape);
  return s;
}

DaemonSnapshot down(std::optional<pid_t> pid = std::nullopt) {
  DaemonSnapshot s;
  s.url = "http://127.0.0.1:10001";
  s.pid = pid;
  s.health.error = "Couldn't connect to server";
  return s;
}

// `count` observations, all inside (lower, upper] of `family`.
std::string histogram_text(const char* family, double lower, double upper, int count) {
  return fmt::format("{0}_bucket{{le=\"{1}\"}} 0\n{0}_bucket{{le=\"{2}\"}} {3}\n{0}_bucket{{le=\"+Inf\"}} {3}\n{0}_count {3}\n{0}_sum 1\n",
                     family, lower, upper, count);
}

const Levels k_response{200, 500};

}  // namespace

TEST_CASE("checks: daemon is OK only for 200 with status ok; CRIT down, stuck, unhealthy or foreign") {
  CHECK(check_daemon(reachable(healthy_body())).status == Status::ok);
  CHECK(check_daemon(reachable(healthy_body())).detail.find("pid 4242") != std::string::npos);

  const auto not_running = check_daemon(down());
  CHECK(not_running.status == Status::crit);
  CHECK(not_running.detail.find("not running") != std::string::npos);
  const auto stuck = check_daemon(down(4242));
  CHECK(stuck.status == Status::crit);
  CHECK(stuck.detail.find("runs but does not answer") != std::string::npos);

  json sick = healthy_body();
  sick["status"] = "error";
  sick["reason"] = "database locked: database is locked";
  const auto unhealthy = check_daemon(reachable(sick, 503));
  CHECK(unhealthy.status == Status::crit);
  CHECK(unhealthy.detail.find("database locked") != std::string::npos);

  const auto foreign = check_daemon(reachable(nullptr, 404));
  CHECK(foreign.status == Status::crit);
  CHECK(foreign.detail.find("another program") != std::string::npos);
}

TEST_CASE("checks: response time of the health probe against RESPONSE_TIME levels") {
  auto at = [](int ms) {
    auto s = reachable(healthy_body());
    s.health.elapsed = std::chrono::milliseconds(ms);
    return check_response_time(s, k_response).status;
  };
  CHECK(at(20) == Status::ok);
  CHECK(at(300) == Status::warn);
  CHECK(at(600) == Status::crit);
  CHECK(check_response_time(down(), k_response).status == Status::unknown);
}

TEST_CASE("checks: request and query P95 from the daemon's histograms") {
  auto request = [](double lower, double upper) {
    return check_request_p95(reachable(healthy_body(), 200, histogram_text("http_request_duration_seconds", lower, upper, 100)), k_response);
  };
  CHECK(request(0.01, 0.05).status == Status::ok);
  const auto warn = request(0.1, 0.3);  // P95 = 0.1 + 0.2 * 0.95 = 290 ms
  CHECK(warn.status == Status::warn);
  CHECK(*warn.number == doctest::Approx(290));
  CHECK(request(0.5, 1.0).status == Status::crit);
  // No observations yet: nothing to judge, not a failure.
  CHECK(check_request_p95(reachable(healthy_body(), 200, "http_requests_total{status=\"200\"} 0\n"), k_response).status == Status::ok);
  // The daemon answered /api/health but not /api/metrics.
  auto no_metrics = reachable(healthy_body());
  no_metrics.scrape_error = "/api/metrics answered HTTP 500";
  CHECK(check_request_p95(no_metrics, k_response).status == Status::unknown);

  const Levels query{300, 1000};
  auto q = [&](double lower, double upper) {
    return check_query_p95(reachable(healthy_body(), 200, histogram_text("db_query_duration_seconds", lower, upper, 20)), query).status;
  };
  CHECK(q(0.001, 0.005) == Status::ok);
  CHECK(q(0.3, 0.5) == Status::warn);
  CHECK(q(1.0, 2.5) == Status::crit);
  CHECK(check_query_p95(down(), query).status == Status::unknown);
}

TEST_CASE("checks: error rate is the share of 5xx answers") {
  const Levels levels{1, 5};
  auto rate = [&](int ok, int errors) {
    const std::string text = fmt::format("http_requests_total{{status=\"200\"}} {}\nhttp_requests_total{{status=\"503\"}} {}\n", ok, errors);
    return check_error_rate(reachable(healthy_body(), 200, text), levels);
  };
  CHECK(rate(1000, 5).status == Status::ok);
  CHECK(rate(97, 3).status == Status::warn);
  const auto crit = rate(90, 10);
  CHECK(crit.status == Status::crit);
  CHECK(*crit.number == doctest::Approx(10));
  CHECK(rate(0, 0).status == Status::ok);
  CHECK(check_error_rate(down(), levels).status == Status::unknown);
}

TEST_CASE("checks: WebSocket clients, cache hit rate and trade queue from /api/health") {
  auto with = [](const char* key, json value) {
    json b = healthy_body();
    b[key] = std::move(value);
    return reachable(b);
  };
  const Levels ws{100, 500};
  CHECK(check_websockets(with("websocket_connections", 50), ws).status == Status::ok);
  CHECK(check_websockets(with("websocket_connections", 150), ws).status == Status::warn);
  CHECK(check_websockets(with("websocket_connections", 501), ws).status == Status::crit);
  json no_ws = healthy_body();
  no_ws.erase("websocket_connections");
  CHECK(check_websockets(reachable(no_ws), ws).status == Status::unknown);

  const Levels cache{70, 50};
  auto hits = [&](int h, int m) { return check_cache_hit_rate(with("cache", {{"hits", h}, {"misses", m}}), cache).status; };
  CHECK(hits(80, 20) == Status::ok);
  CHECK(hits(60, 40) == Status::warn);
  CHECK(hits(40, 60) == Status::crit);
  CHECK(hits(0, 0) == Status::ok);
  CHECK(check_cache_hit_rate(down(), cache).status == Status::unknown);

  CHECK(check_trade_queue(with("trade_queue_length", 10), 1000, 80).status == Status::ok);
  CHECK(check_trade_queue(with("trade_queue_length", 800), 1000, 80).status == Status::warn);
  CHECK(check_trade_queue(with("trade_queue_length", 1000), 1000, 80).status == Status::crit);
  CHECK(check_trade_queue(down(), 1000, 80).status == Status::unknown);
}

TEST_CASE("checks: database connection errors, the manual's DatabaseConnectionFailed") {
  auto errors = [](int n) {
    return check_db_connection_errors(reachable(healthy_body(), 200, fmt::format("db_connection_errors {}\n", n)), 10).status;
  };
  CHECK(errors(0) == Status::ok);
  CHECK(errors(3) == Status::warn);
  CHECK(errors(11) == Status::crit);
  CHECK(check_db_connection_errors(reachable(healthy_body(), 200, "other 1\n"), 10).status == Status::unknown);
}

TEST_CASE("checks: chain is OK through every endpoint, WARN naming an endpoint that fails while another answers, CRIT when none does") {
  auto with_chain = [](json endpoints, std::string state = "ok") {
    json body = healthy_body();
    body["chain"] = {{"enabled", true}, {"state", state}, {"detail", ""}, {"block_number", 1234},
                     {"endpoints", std::move(endpoints)}, {"private_endpoints", json::array()}};
    return reachable(body);
  };
  const json good = {{"url", "http://a/"}, {"state", "ok"}, {"last_error", ""}};
  const json hung = {{"url", "http://b/"}, {"state", "open"}, {"last_error", "timed out after 1000 ms"}};

  const auto all = check_chain(with_chain(json::array({good, good})));
  CHECK(all.status == Status::ok);
  CHECK(all.detail == "block 1234");

  const auto one = check_chain(with_chain(json::array({hung, good})));
  CHECK(one.status == Status::warn);
  CHECK(one.detail.find("1 of 2 RPC endpoints failing") != std::string::npos);
  CHECK(one.detail.find("http://b/ open: timed out after 1000 ms") != std::string::npos);

  const auto none = check_chain(with_chain(json::array({hung}), "unavailable"));
  CHECK(none.status == Status::crit);
  CHECK(none.detail.find("http://b/: timed out") != std::string::npos);

  CHECK(check_chain(reachable(healthy_body())).status == Status::unknown);
}
