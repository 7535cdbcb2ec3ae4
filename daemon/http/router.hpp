#pragma once
// Routes are declared once (method, pattern, auth, handler) by each api/ file and looked up
// here; the dispatcher is the one place that turns an exception into a JSON error.
#include <functional>
#include <string>
#include <vector>

#include "daemon/http/request.hpp"

namespace bscbot::daemon::http {

enum class Auth {
  none,    // open, like /api/health
  viewer,  // a valid JWT with any role (reads); see LOOPBACK_READS_WITHOUT_TOKEN
  trader,  // a valid JWT with role trader or admin
  admin,   // a valid JWT with role admin
};

using Handler = std::function<Response(const Request&)>;

struct Route {
  std::string method;   // "GET", "POST"
  std::string pattern;  // "/api/v1/trading/trades/{id}"
  Auth auth = Auth::none;
  std::string summary;  // one line, for the route listing
  Handler handler;
};

// Decides whether a request may use a route; returns a 401/403 response to refuse it.
using Authorizer = std::function<std::optional<Response>(const Request&, Auth)>;

class Router {
public:
  void add(Route route);
  void add(std::vector<Route> routes);
  void set_authorizer(Authorizer authorizer) { m_authorizer = std::move(authorizer); }

  struct Result {
    Response response;
    std::string route;  // the matched pattern, or "unmatched" (a metrics label)
  };

  // Finds the route, checks auth, runs the handler; never throws.
  Result dispatch(Request& request) const;

  const std::vector<Route>& routes() const { return m_routes; }

private:
  std::vector<Route> m_routes;
  std::vector<std::vector<std::string>> m_segments;  // m_routes[i].pattern split at '/'
  Authorizer m_authorizer;
};

}  // namespace bscbot::daemon::http
