#pragma once
// The daemon's Prometheus metrics, under the names the manual greps for and alerts on
// (http_requests_total, trade_queue_length, cache_hit_rate, db_pool_used, ...).
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bscbot::daemon {

class RuntimeState;

// One JSON-RPC endpoint's state, read at scrape time.
struct EndpointGauge {
  std::string role;      // public or private
  std::string endpoint;  // redacted URL
  double score = 0;
  bool circuit_open = false;
};

// One trading wallet's sender, read at scrape time.
struct WalletGauge {
  std::string wallet;
  bool sending = false;  // this daemon holds the wallet's lease
  int in_flight = 0;
  int stuck = 0;
};

// Values read at scrape time from the parts that own them.
struct MetricsSnapshot {
  double resident_memory_bytes = 0;
  double cpu_seconds = 0;
  double start_time_seconds = 0;
  int http_connections = 0;
  int http_max_connections = 0;
  int websocket_connections = 0;
  int trade_queue_length = 0;
  double cache_hit_rate = 0;  // 0..1
  int cache_size = 0;
  int db_pool_used = 0;
  int db_pool_max = 0;
  double db_connection_errors = 0;
  double loop_tick_age_seconds = 0;
  bool db_ok = false;
  // The scheduled quick check's verdict (1 ok, 0 damaged) and its age; absent before the first.
  std::optional<bool> db_integrity_ok;
  double db_integrity_age_seconds = 0;
  // With CHAIN_ENABLED: whether some endpoint answered within CHAIN_DOWN_AFTER_S, for how long
  // none has, and the endpoints and wallets.
  std::optional<bool> chain_up;
  double chain_silent_seconds = 0;
  std::vector<EndpointGauge> endpoints;
  std::vector<WalletGauge> wallets;
};

class Metrics {
public:
  Metrics();

  // Counts one answered request. Labels are a closed set, whatever clients send: `route` is a
  // route pattern (or "unmatched"), never the raw path, and a method outside GET, HEAD, POST,
  // PUT, DELETE, PATCH and OPTIONS is counted as "other".
  void observe_request(const std::string& method, const std::string& route, int status, double seconds);

  // Counts a connection refused at accept: `reason` is "max_connections" or "per_ip"
  // (HTTP_MAX_CONNECTIONS, HTTP_MAX_CONNECTIONS_PER_IP), or "websocket_max_connections".
  void count_connection_refused(std::string_view reason);

  // Counts a failed accept (out of descriptors, a connection reset before it was accepted).
  void count_accept_error();

  // Times one database query by name.
  void observe_query(std::string_view name, double seconds);

  void count_websocket_open();

  // A lookup in the per-route response cache (daemon/api/response_cache.hpp).
  void count_response_cache(const std::string& route, bool hit);

  // Counts and times one JSON-RPC attempt: calls, errors (by outcome) and latency per endpoint
  // and method.
  void observe_rpc(std::string_view role, const std::string& endpoint, std::string_view method, std::string_view outcome, double seconds);

  // The text exposition with gauges refreshed from `snapshot`.
  std::string render(const MetricsSnapshot& snapshot);

  prometheus::Registry& registry() { return *m_registry; }

private:
  std::shared_ptr<prometheus::Registry> m_registry;
  prometheus::Family<prometheus::Counter>& m_requests;
  prometheus::Family<prometheus::Counter>& m_refused;
  prometheus::Counter& m_accept_errors;
  prometheus::Family<prometheus::Histogram>& m_request_duration;
  prometheus::Family<prometheus::Histogram>& m_query_duration;
  prometheus::Gauge& m_rss;
  prometheus::Counter& m_cpu;
  std::mutex m_cpu_mutex;
  prometheus::Gauge& m_start_time;
  prometheus::Gauge& m_http_open;
  prometheus::Gauge& m_http_max;
  prometheus::Gauge& m_ws;
  prometheus::Counter& m_ws_opened;
  prometheus::Family<prometheus::Counter>& m_response_cache;
  prometheus::Gauge& m_queue;
  prometheus::Gauge& m_cache_hit_rate;
  prometheus::Gauge& m_cache_size;
  prometheus::Gauge& m_pool_used;
  prometheus::Gauge& m_pool_max;
  prometheus::Gauge& m_db_errors;
  prometheus::Gauge& m_tick_age;
  prometheus::Gauge& m_db_up;
  prometheus::Family<prometheus::Counter>& m_rpc_requests;
  prometheus::Family<prometheus::Histogram>& m_rpc_duration;
  prometheus::Family<prometheus::Gauge>& m_rpc_score;
  prometheus::Family<prometheus::Gauge>& m_rpc_open;
  prometheus::Family<prometheus::Gauge>& m_chain_up;
  prometheus::Family<prometheus::Gauge>& m_integrity_ok;
  prometheus::Family<prometheus::Gauge>& m_integrity_age;
  prometheus::Family<prometheus::Gauge>& m_chain_silent;
  prometheus::Family<prometheus::Gauge>& m_in_flight;
  prometheus::Family<prometheus::Gauge>& m_stuck;
  prometheus::Family<prometheus::Gauge>& m_lease_held;
  // Family::Add builds a label map and hashes it at every call; the request path finds its
  // series here by one key instead (label sets are a closed set, so these stay small). Series
  // live as long as their family: nothing is ever removed.
  struct RequestSeries {
    prometheus::Counter* requests = nullptr;
    prometheus::Histogram* duration = nullptr;
  };
  std::mutex m_series_mutex;
  std::unordered_map<std::string, RequestSeries> m_request_series;  // "method route status"
  std::unordered_map<std::string, prometheus::Histogram*> m_query_series;
};

// Reads this process's resident memory and CPU seconds from /proc/self.
void read_process_usage(double& rss_bytes, double& cpu_seconds, double& start_time_seconds);

}  // namespace bscbot::daemon
