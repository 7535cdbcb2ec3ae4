#include "daemon/sampler.hpp"

#include <prometheus/text_serializer.h>

#include <filesystem>

#include "core/db/store.hpp"
#include "core/util/clock.hpp"
#include "daemon/app.hpp"

namespace fs = std::filesystem;

namespace bscbot::daemon {

MetricSampler::MetricSampler(App& app) : m_app(app), m_previous_at(app.state.started()) {}

void MetricSampler::sample() {
  const auto now = std::chrono::steady_clock::now();
  const std::string exposition = prometheus::TextSerializer().Serialize(m_app.metrics.registry().Collect());
  core::metrics::Counters current = core::metrics::counters_from(core::metrics::parse_exposition(exposition));
  double rss = 0, cpu = 0, start = 0;
  read_process_usage(rss, cpu, start);
  current.cpu_seconds = cpu;
  current.cache_hits = static_cast<double>(m_app.state.cache_hits.load());
  current.cache_misses = static_cast<double>(m_app.state.cache_misses.load());

  core::metrics::Gauges gauges;
  gauges.rss_bytes = rss;
  gauges.ws_connections = m_app.state.websocket_connections.load();
  gauges.trade_queue_length = m_app.state.trade_queue_length.load();
  // The worker's probe measured the database a moment ago (file and WAL, or pg_database_size).
  if (const auto bytes = m_app.state.db().size_bytes) gauges.db_file_bytes = static_cast<double>(*bytes);

  const double seconds = std::chrono::duration<double>(now - m_previous_at).count();
  const auto rows = core::metrics::window_samples(m_previous, current, seconds, gauges);
  const auto wall = core::system_clock().now();
  core::db::MetricStore& repo = m_app.store.samples();
  repo.record(wall, rows);
  m_previous = current;
  m_previous_at = now;
  const auto pruned = repo.prune_older_than(wall - std::chrono::hours(24) * m_app.cfg.integer("METRIC_RETENTION_DAYS"));
  m_app.log->debug("Stored {} metric samples for the last {:.0f} s ({} old rows pruned)", rows.size(), seconds, pruned);
}

}  // namespace bscbot::daemon
