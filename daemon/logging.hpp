#pragma once
// The daemon's log: logs/api-server.log, size-rotated, in the line shapes the manual greps
// ("response_time", "Query took", "Price cache ... HIT", "ping"/"pong", "error"). Every message
// has its secrets masked (core/config/mask.hpp) and its length capped before it is written.
#include <spdlog/logger.h>

#include <memory>

#include "core/config/config.hpp"

namespace bscbot::daemon {

// Creates the rotating file logger (and a stderr copy when `also_stderr`), at LOG_LEVEL.
std::shared_ptr<spdlog::logger> make_logger(const core::config::Config& cfg, bool also_stderr);

}  // namespace bscbot::daemon
