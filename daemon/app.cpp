#include "daemon/app.hpp"

namespace bscbot::daemon {

core::db::QueryObserver make_query_observer(const core::config::Config& cfg, Metrics& metrics, std::shared_ptr<spdlog::logger> log) {
  const auto slow_us = cfg.integer("SLOW_QUERY_MS") * 1000;
  return [&metrics, log, slow_us](std::string_view name, std::chrono::microseconds took) {
    metrics.observe_query(name, static_cast<double>(took.count()) / 1e6);
    if (took.count() >= slow_us) log->warn("Slow query {}: Query took {:.3f}ms", name, static_cast<double>(took.count()) / 1000.0);
  };
}

}  // namespace bscbot::daemon
