#pragma once
// bscbotd from start to clean exit: open and migrate the database, serve HTTP and WebSocket,
// run the worker loop, write the pid file, and stop gracefully on SIGTERM/SIGINT.
#include "core/config/config.hpp"

namespace bscbot::daemon {

// Runs the daemon until a stop signal; returns the process exit code. Throws core::Error for
// start-up failures (bad database, port taken), which main() reports.
int run_daemon(const core::config::Config& cfg, bool log_to_stderr);

}  // namespace bscbot::daemon
