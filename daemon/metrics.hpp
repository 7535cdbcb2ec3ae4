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
#include <string>

namespace bscbot::daemon {

class RuntimeState;

// Values read at scrape time from the parts that own them.
struct MetricsSnapshot {
  double resident_memory_bytes = 0;
  double cpu_seconds = 0;
  double start_time_seconds = 0;
  int websocket_connections = 0;
  int trade_queue_length = 0;
  double cache_hit_rate = 0;  // 0..1
  int cache_size = 0;
  int db_pool_used = 0;
  int db_pool_max = 0;
  double db_connection_errors = 0;
  double loop_tick_age_seconds = 0;
  bool db_ok = false;
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
  prometheus::Gauge& m_ws;
  prometheus::Counter& m_ws_opened;
  prometheus::Gauge& m_queue;
  prometheus::Gauge& m_cache_hit_rate;
  prometheus::Gauge& m_cache_size;
  prometheus::Gauge& m_pool_used;
  prometheus::Gauge& m_pool_max;
  prometheus::Gauge& m_db_errors;
  prometheus::Gauge& m_tick_age;
  prometheus::Gauge& m_db_up;
};

// Reads this process's resident memory and CPU seconds from /proc/self.
void read_process_usage(double& rss_bytes, double& cpu_seconds, double& start_time_seconds);

}  // namespace bscbot::daemon
