#pragma once
// The manual's troubleshooting problems, by the names `bscbot diagnose PROBLEM` takes, and
// which problem explains a failing health check: the health table, the notifications' "next
// command" and the diagnosis agree on where to look.
#include <optional>
#include <string_view>

namespace bscbot::core::diagnose {

enum class Problem { service, database, websocket, memory, trades, slow_queries };

inline constexpr Problem k_problems[] = {Problem::service, Problem::database, Problem::websocket,
                                         Problem::memory,  Problem::trades,   Problem::slow_queries};

// "service", "database", "websocket", "memory", "trades", "slow-queries".
std::string_view to_string(Problem p);
std::optional<Problem> parse_problem(std::string_view text);

// The manual's heading of the problem, e.g. "Service not responding".
std::string_view title(Problem p);

// The problem a health check (by name, e.g. "db_query_p95") points to, if any.
std::optional<Problem> problem_for_check(std::string_view check);

}  // namespace bscbot::core::diagnose
