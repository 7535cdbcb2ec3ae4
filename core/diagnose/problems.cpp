#include "core/diagnose/problems.hpp"

namespace bscbot::core::diagnose {

std::string_view to_string(Problem p) {
  switch (p) {
    case Problem::service: return "service";
    case Problem::database: return "database";
    case Problem::websocket: return "websocket";
    case Problem::memory: return "memory";
    case Problem::trades: return "trades";
    case Problem::slow_queries: return "slow-queries";
  }
  return "service";
}

std::optional<Problem> parse_problem(std::string_view text) {
  for (const Problem p : k_problems) {
    if (to_string(p) == text) return p;
  }
  // The manual's words for them.
  if (text == "port" || text == "daemon" || text == "not-responding") return Problem::service;
  if (text == "db" || text == "lock" || text == "locked") return Problem::database;
  if (text == "ws" || text == "rpc") return Problem::websocket;
  if (text == "trade-failures" || text == "trade") return Problem::trades;
  if (text == "slow" || text == "queries") return Problem::slow_queries;
  return std::nullopt;
}

std::string_view title(Problem p) {
  switch (p) {
    case Problem::service: return "Service not responding";
    case Problem::database: return "Database connection errors / database locked";
    case Problem::websocket: return "WebSocket disconnects";
    case Problem::memory: return "High memory usage";
    case Problem::trades: return "High trade failure rate";
    case Problem::slow_queries: return "Slow database queries";
  }
  return "";
}

std::optional<Problem> problem_for_check(std::string_view check) {
  if (check == "daemon" || check == "response_time" || check == "request_p95" || check == "error_rate") return Problem::service;
  if (check == "database_integrity" || check == "database_size" || check == "db_connection_errors") return Problem::database;
  if (check == "websocket_connections" || check == "chain") return Problem::websocket;
  if (check == "memory_daemon" || check == "cache_hit_rate") return Problem::memory;
  if (check == "success_rate" || check == "failed_trades" || check == "trade_queue") return Problem::trades;
  if (check == "db_query_p95") return Problem::slow_queries;
  return std::nullopt;
}

}  // namespace bscbot::core::diagnose
