#include "daemon/metrics.hpp"

#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <sstream>

namespace bscbot::daemon {

namespace {

prometheus::Gauge& gauge(prometheus::Registry& r, const std::string& name, const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}

const prometheus::Histogram::BucketBoundaries& latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries b = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                           0.1,    0.2,   0.3,    0.5,   1.0,  2.5,   5.0};
  return b;
}

// The method label: one of the methods routes can use, or "other" (a client can send any token).
const std::string& method_label(const std::string& method) {
  static const std::array<std::string, 7> known = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
  static const std::string other = "other";
  for (const std::string& k : known) {
    if (k == method) return k;
  }
  return other;
}

}  // namespace

Metrics::Metrics()
    : m_registry(std::make_shared<prometheus::Registry>()),
      m_requests(prometheus::BuildCounter().Name("http_requests_total").Help("HTTP requests answered, by method, route and status").Register(*m_registry)),
      m_refused(prometheus::BuildCounter().Name("http_connections_refused_total").Help("Connections answered 503 and closed at accept, by the limit reached").Register(*m_registry)),
      m_accept_errors(prometheus::BuildCounter().Name("http_accept_errors_total").Help("Failed accepts (out of file descriptors, connection reset)").Register(*m_registry).Add({})),
      m_request_duration(prometheus::BuildHistogram().Name("http_request_duration_seconds").Help("Time to answer an HTTP request").Register(*m_registry)),
      m_query_duration(prometheus::BuildHistogram().Name("db_query_duration_seconds").Help("Time of database queries, by query").Register(*m_registry)),
      m_rss(gauge(*m_registry, "process_resident_memory_bytes", "Resident memory of bscbotd")),
      m_cpu(prometheus::BuildCounter().Name("process_cpu_seconds_total").Help("CPU time used by bscbotd").Register(*m_registry).Add({})),
      m_start_time(gauge(*m_registry, "process_start_time_seconds", "Start time of bscbotd since the epoch")),
      m_http_open(gauge(*m_registry, "http_connections_open", "HTTP connections holding a slot (WebSocket clients are counted in websocket_connections)")),
      m_http_max(gauge(*m_registry, "http_connections_max", "HTTP connections allowed at once (HTTP_MAX_CONNECTIONS, lowered if RLIMIT_NOFILE is short); past it, 503")),
      m_ws(gauge(*m_registry, "websocket_connections", "WebSocket clients connected")),
      m_ws_opened(prometheus::BuildCounter().Name("websocket_connections_opened_total").Help("WebSocket connections accepted").Register(*m_registry).Add({})),
      m_response_cache(prometheus::BuildCounter()
                           .Name("http_response_cache_total")
                           .Help("Lookups in the per-route response cache (TOKENS_/PAIRS_/DASHBOARD_CACHE_TTL_MS), by route and result (hit, miss)")
                           .Register(*m_registry)),
      m_queue(gauge(*m_registry, "trade_queue_length", "Swaps waiting in the trade queue")),
      m_cache_hit_rate(gauge(*m_registry, "cache_hit_rate", "Price cache hits over lookups since start (0..1)")),
      m_cache_size(gauge(*m_registry, "cache_size", "Entries in the price cache")),
      m_pool_used(gauge(*m_registry, "db_pool_used", "Database connections in use")),
      m_pool_max(gauge(*m_registry, "db_pool_max", "Database connection pool size")),
      m_db_errors(gauge(*m_registry, "db_connection_errors", "Failures to get or keep a database connection since start")),
      m_tick_age(gauge(*m_registry, "bscbotd_loop_tick_age_seconds", "Age of the worker loop's last turn")),
      m_db_up(gauge(*m_registry, "bscbotd_database_up", "1 when the database is writable")),
      m_rpc_requests(prometheus::BuildCounter()
                         .Name("rpc_requests_total")
                         .Help("JSON-RPC attempts by endpoint, method and outcome (ok, node_error, refused, timeout, rate_limited, bad_answer)")
                         .Register(*m_registry)),
      m_rpc_duration(prometheus::BuildHistogram().Name("rpc_request_duration_seconds").Help("Time of JSON-RPC attempts by endpoint and method").Register(*m_registry)),
      m_rpc_score(prometheus::BuildGauge().Name("rpc_endpoint_score").Help("Health score of a JSON-RPC endpoint (0..100)").Register(*m_registry)),
      m_rpc_open(prometheus::BuildGauge().Name("rpc_endpoint_circuit_open").Help("1 while a JSON-RPC endpoint is skipped after failures").Register(*m_registry)),
      m_chain_up(prometheus::BuildGauge().Name("bscbotd_chain_up").Help("1 while some JSON-RPC endpoint answered within CHAIN_DOWN_AFTER_S").Register(*m_registry)),
      m_integrity_ok(prometheus::BuildGauge().Name("bscbotd_db_integrity_ok").Help("1 when the last scheduled quick check found the database ok, 0 when damaged").Register(*m_registry)),
      m_integrity_age(prometheus::BuildGauge().Name("bscbotd_db_integrity_age_seconds").Help("Age of the last scheduled database quick check (DB_INTEGRITY_INTERVAL_S)").Register(*m_registry)),
      m_chain_silent(prometheus::BuildGauge().Name("bscbotd_chain_silent_seconds").Help("Time since any JSON-RPC endpoint last answered").Register(*m_registry)),
      m_in_flight(prometheus::BuildGauge().Name("trades_in_flight").Help("Transactions a wallet has sent and not yet settled").Register(*m_registry)),
      m_stuck(prometheus::BuildGauge().Name("trades_stuck").Help("Transactions in flight for longer than TRADE_STUCK_AFTER_S").Register(*m_registry)),
      m_lease_held(prometheus::BuildGauge().Name("wallet_lease_held").Help("1 when this daemon is the sender of the wallet").Register(*m_registry)) {}

void Metrics::observe_request(const std::string& method, const std::string& route, int status, double seconds) {
  const std::string& m = method_label(method);
  thread_local std::string key;  // its capacity is kept: no allocation once warm
  key.assign(m).append(1, ' ').append(route).append(1, ' ').append(std::to_string(status));
  RequestSeries series;
  {
    std::lock_guard lock(m_series_mutex);
    auto it = m_request_series.find(key);
    if (it == m_request_series.end()) {
      series = {&m_requests.Add({{"method", m}, {"route", route}, {"status", std::to_string(status)}}),
                &m_request_duration.Add({{"method", m}, {"route", route}}, latency_buckets())};
      it = m_request_series.emplace(key, series).first;
    }
    series = it->second;
  }
  series.requests->Increment();
  series.duration->Observe(seconds);
}

void Metrics::count_connection_refused(std::string_view reason) { m_refused.Add({{"reason", std::string(reason)}}).Increment(); }

void Metrics::count_accept_error() { m_accept_errors.Increment(); }

void Metrics::observe_query(std::string_view name, double seconds) {
  thread_local std::string key;
  key.assign(name);
  prometheus::Histogram* series = nullptr;
  {
    std::lock_guard lock(m_series_mutex);
    auto it = m_query_series.find(key);
    if (it == m_query_series.end()) it = m_query_series.emplace(key, &m_query_duration.Add({{"query", key}}, latency_buckets())).first;
    series = it->second;
  }
  series->Observe(seconds);
}

void Metrics::count_response_cache(const std::string& route, bool hit) {
  m_response_cache.Add({{"route", route}, {"result", hit ? "hit" : "miss"}}).Increment();
}

void Metrics::count_websocket_open() { m_ws_opened.Increment(); }

void Metrics::observe_rpc(std::string_view role, const std::string& endpoint, std::string_view method, std::string_view outcome, double seconds) {
  const std::string r(role), m(method);
  m_rpc_requests.Add({{"role", r}, {"endpoint", endpoint}, {"method", m}, {"outcome", std::string(outcome)}}).Increment();
  m_rpc_duration.Add({{"role", r}, {"endpoint", endpoint}, {"method", m}}, latency_buckets()).Observe(seconds);
}

std::string Metrics::render(const MetricsSnapshot& s) {
  m_rss.Set(s.resident_memory_bytes);
  {
    // A counter only moves forward: add what was used since the last scrape.
    std::lock_guard lock(m_cpu_mutex);
    if (s.cpu_seconds > m_cpu.Value()) m_cpu.Increment(s.cpu_seconds - m_cpu.Value());
  }
  m_start_time.Set(s.start_time_seconds);
  m_http_open.Set(s.http_connections);
  m_http_max.Set(s.http_max_connections);
  m_ws.Set(s.websocket_connections);
  m_queue.Set(s.trade_queue_length);
  m_cache_hit_rate.Set(s.cache_hit_rate);
  m_cache_size.Set(s.cache_size);
  m_pool_used.Set(s.db_pool_used);
  m_pool_max.Set(s.db_pool_max);
  m_db_errors.Set(s.db_connection_errors);
  m_tick_age.Set(s.loop_tick_age_seconds);
  m_db_up.Set(s.db_ok ? 1 : 0);
  if (s.db_integrity_ok) {
    m_integrity_ok.Add({}).Set(*s.db_integrity_ok ? 1 : 0);
    m_integrity_age.Add({}).Set(s.db_integrity_age_seconds);
  }
  if (s.chain_up) {
    m_chain_up.Add({}).Set(*s.chain_up ? 1 : 0);
    m_chain_silent.Add({}).Set(s.chain_silent_seconds);
  }
  for (const EndpointGauge& e : s.endpoints) {
    m_rpc_score.Add({{"role", e.role}, {"endpoint", e.endpoint}}).Set(e.score);
    m_rpc_open.Add({{"role", e.role}, {"endpoint", e.endpoint}}).Set(e.circuit_open ? 1 : 0);
  }
  for (const WalletGauge& w : s.wallets) {
    m_in_flight.Add({{"wallet", w.wallet}}).Set(w.in_flight);
    m_stuck.Add({{"wallet", w.wallet}}).Set(w.stuck);
    m_lease_held.Add({{"wallet", w.wallet}}).Set(w.sending ? 1 : 0);
  }
  return prometheus::TextSerializer().Serialize(m_registry->Collect());
}

void read_process_usage(double& rss_bytes, double& cpu_seconds, double& start_time_seconds) {
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  {
    std::ifstream statm("/proc/self/statm");
    long size = 0, resident = 0;
    if (statm >> size >> resident) rss_bytes = static_cast<double>(resident) * page;
  }
  std::ifstream stat("/proc/self/stat");
  std::string line;
  if (!std::getline(stat, line)) return;
  const auto close = line.rfind(')');
  if (close == std::string::npos) return;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  // Fields after "(comm)": state is 3; utime 14, stime 15, starttime 22 (1-based, man proc).
  double utime = 0, stime = 0, start = 0;
  for (int i = 3; fields >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
    if (i == 22) {
      start = std::stod(field);
      break;
    }
  }
  cpu_seconds = (utime + stime) / ticks;
  std::ifstream uptime_file("/proc/uptime");
  double uptime = 0;
  uptime_file >> uptime;
  const double boot = static_cast<double>(std::time(nullptr)) - uptime;
  start_time_seconds = boot + start / ticks;
}

}  // namespace bscbot::daemon
