#pragma once
// Every METRIC_SAMPLE_INTERVAL_S the daemon stores what happened since the last sample
// (requests, 5xx answers, latency and query buckets, cache hits, CPU) and a few gauges
// (memory, WebSocket clients, database size) in metric_samples, and prunes rows older than
// METRIC_RETENTION_DAYS. The weekly report and the growth check read them back.
#include <chrono>

#include "core/metrics/window.hpp"

namespace bscbot::daemon {

struct App;

class MetricSampler {
public:
  explicit MetricSampler(App& app);

  // Stores the window since the previous successful sample (or since start). A failed write
  // leaves the window open, so the next sample covers both.
  void sample();

private:
  App& m_app;
  core::metrics::Counters m_previous;
  std::chrono::steady_clock::time_point m_previous_at;
};

}  // namespace bscbot::daemon
