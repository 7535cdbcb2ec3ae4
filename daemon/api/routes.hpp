#pragma once
// Each area of the API declares its routes in one function; main wires them into the router.
#include <vector>

#include "daemon/http/router.hpp"

namespace bscbot::daemon {

struct App;

namespace api {

std::vector<http::Route> health_routes(App& app);
std::vector<http::Route> metrics_routes(App& app);
std::vector<http::Route> trading_routes(App& app);
std::vector<http::Route> alert_routes(App& app);

}  // namespace api
}  // namespace bscbot::daemon
