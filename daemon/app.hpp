#pragma once
// The parts of a running daemon that request handlers and the worker loop share.
#include <spdlog/logger.h>

#include <memory>
#include <string>

#include "core/auth/token_cache.hpp"
#include "core/config/config.hpp"
#include "core/db/store.hpp"
#include "daemon/metrics.hpp"
#include "daemon/state.hpp"

namespace bscbot::daemon {

class WsHub;
class TradingService;
class NotifyService;

struct App {
  const core::config::Config& cfg;
  std::shared_ptr<spdlog::logger> log;
  Metrics& metrics;
  RuntimeState& state;
  core::db::Store& store;
  int schema_version = 0;
  WsHub* hub = nullptr;  // set once the hub exists (the hub refers back to the App)
  TradingService* trading = nullptr;  // set when CHAIN_ENABLED=true
  NotifyService* notify = nullptr;    // set while the notifier runs
  // The access lines' logger (daemon/logging.hpp), when it is not `log`.
  std::shared_ptr<spdlog::logger> access_log;

  // Bearer tokens already verified (core/auth/token_cache.hpp): their times are judged per request.
  std::shared_ptr<core::auth::TokenCache> tokens = std::make_shared<core::auth::TokenCache>();

  spdlog::logger& access() const { return access_log ? *access_log : *log; }
};

// Times each query into the P95 histogram and logs the slow ones as "Query took"; given to the
// store when it is opened.
core::db::QueryObserver make_query_observer(const core::config::Config& cfg, Metrics& metrics, std::shared_ptr<spdlog::logger> log);

}  // namespace bscbot::daemon
