#pragma once
// Each area of the API declares its routes in one function; main wires them into the router.
#include <string>
#include <vector>

#include "daemon/http/router.hpp"

namespace bscbot::daemon {

struct App;

namespace api {

std::vector<http::Route> health_routes(App& app);
std::vector<http::Route> metrics_routes(App& app);
std::vector<http::Route> trading_routes(App& app);
std::vector<http::Route> alert_routes(App& app);
std::vector<http::Route> market_routes(App& app);
std::vector<http::Route> status_page_routes(App& app);

// What makes /api/health answer 503 now (the database, the loop, the chain), in its words.
std::vector<std::string> health_problems(App& app);

}  // namespace api
}  // namespace bscbot::daemon
