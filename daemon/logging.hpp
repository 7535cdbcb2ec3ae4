#pragma once
// The daemon's log: logs/api-server.log, size-rotated, in the line shapes the manual greps
// ("response_time", "Query took", "Price cache ... HIT", "ping"/"pong", "error"). Every message
// has its secrets masked (core/config/mask.hpp) and its length capped before it is written.
#include <spdlog/logger.h>

#include <functional>
#include <memory>

#include "core/config/config.hpp"

namespace bscbot::daemon {

class BatchingSink;

struct Loggers {
  std::shared_ptr<spdlog::logger> log;     // at LOG_LEVEL
  // The lines the manual greps (response_time, Price cache HIT|MISS, ping|pong): into the same
  // file, at info whatever LOG_LEVEL says unless ACCESS_LOG=false, so `LOG_LEVEL=warn` (which
  // audit recommends) does not blind them.
  std::shared_ptr<spdlog::logger> access;
  std::shared_ptr<BatchingSink> access_sink;  // writes `access`'s lines; its errors go to its own handler

  // Where a line that could not be written is told, for both loggers.
  void set_error_handler(const std::function<void(const std::string&)>& handler) const;
};

// Creates the rotating file loggers (and a stderr copy when `also_stderr`).
Loggers make_loggers(const core::config::Config& cfg, bool also_stderr);

}  // namespace bscbot::daemon
