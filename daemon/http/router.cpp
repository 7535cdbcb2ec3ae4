#include "daemon/http/router.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace bscbot::daemon::http {

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 1;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

bool match(const std::string& pattern, const std::string& path, std::map<std::string, std::string>& params) {
  const auto want = split_path(pattern);
  const auto got = split_path(path);
  if (want.size() != got.size()) return false;
  std::map<std::string, std::string> found;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}') {
      if (got[i].empty()) return false;
      found[want[i].substr(1, want[i].size() - 2)] = got[i];
    } else if (want[i] != got[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

}  // namespace

void Router::add(Route route) { m_routes.push_back(std::move(route)); }

void Router::add(std::vector<Route> routes) {
  for (auto& r : routes) m_routes.push_back(std::move(r));
}

Router::Result Router::dispatch(Request& request) const {
  std::string path = request.path;
  if (path.size() > 1 && path.back() == '/') path.pop_back();
  bool path_known = false;
  for (const Route& route : m_routes) {
    std::map<std::string, std::string> params;
    if (!match(route.pattern, path, params)) continue;
    path_known = true;
    if (route.method != request.method && !(route.method == "GET" && request.method == "HEAD")) continue;
    request.params = std::move(params);
    try {
      if (route.auth != Auth::none && m_authorizer) {
        if (auto refusal = m_authorizer(request, route.auth)) return {std::move(*refusal), route.pattern};
      }
      return {route.handler(request), route.pattern};
    } catch (const core::Error& e) {
      const int status = core::http_status_for(e.kind());
      return {Response::error(status, status == 400 ? "bad_request" : status == 404 ? "not_found" : status == 409 ? "conflict" : "server_error", e.what()),
              route.pattern};
    } catch (const std::exception& e) {
      return {Response::error(500, "server_error", e.what()), route.pattern};
    }
  }
  if (path_known) {
    return {Response::error(405, "method_not_allowed", fmt::format("{} is not allowed on {}", request.method, path)), "unmatched"};
  }
  return {Response::error(404, "not_found", fmt::format("no route for {}", path)), "unmatched"};
}

}  // namespace bscbot::daemon::http
