#pragma once
// The checks answered by the running daemon: is it up and healthy, how fast it answers, how
// often it fails, and the load it carries. Each takes the snapshot and its thresholds and
// returns one verdict; all are UNKNOWN when the daemon cannot be asked.
#include <cstdint>

#include "core/checks/daemon_snapshot.hpp"
#include "core/checks/status.hpp"

namespace bscbot::core::checks {

// /api/health answered 200 with status "ok" (CRIT when unreachable, 503, or not bscbotd).
CheckResult check_daemon(const DaemonSnapshot& snap);

// Round trip of the /api/health request, as `curl` measured it in the manual.
CheckResult check_response_time(const DaemonSnapshot& snap, Levels ms);

// P95 of every request the daemon answered since it started (http_request_duration_seconds).
CheckResult check_request_p95(const DaemonSnapshot& snap, Levels ms);

// Share of answers with a 5xx status since the daemon started.
CheckResult check_error_rate(const DaemonSnapshot& snap, Levels percent);

CheckResult check_websockets(const DaemonSnapshot& snap, Levels connections);

// Price cache hits over lookups since start; OK with a note before the first lookup.
CheckResult check_cache_hit_rate(const DaemonSnapshot& snap, Levels percent);

// Swaps waiting, against TRADE_QUEUE_MAX (CRIT when full: new swaps are refused).
CheckResult check_trade_queue(const DaemonSnapshot& snap, std::int64_t queue_max, double warn_percent);

// P95 of the daemon's database queries since it started (db_query_duration_seconds).
CheckResult check_query_p95(const DaemonSnapshot& snap, Levels ms);

// Failures to get or keep a database connection (the manual's DatabaseConnectionFailed: > 10).
CheckResult check_db_connection_errors(const DaemonSnapshot& snap, double crit);

// The chain connection bscbotd reports (the manual's "chain down"): OK when connected or
// CHAIN_ENABLED=false, CRIT when no RPC endpoint answers or the node is on another chain.
CheckResult check_chain(const DaemonSnapshot& snap);

}  // namespace bscbot::core::checks
