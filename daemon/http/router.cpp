#include "daemon/http/router.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace bscbot::daemon::http {

namespace {

// "/a/b/c" as {"a", "b", "c"}; views into `path`.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t start = 1;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

bool is_placeholder(std::string_view segment) { return segment.size() > 2 && segment.front() == '{' && segment.back() == '}'; }

bool match(const std::vector<std::string>& want, const std::vector<std::string_view>& got, std::map<std::string, std::string>& params) {
  if (want.size() != got.size()) return false;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (is_placeholder(want[i])) {
      if (got[i].empty()) return false;
    } else if (want[i] != got[i]) {
      return false;
    }
  }
  params.clear();
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (is_placeholder(want[i])) params[want[i].substr(1, want[i].size() - 2)] = std::string(got[i]);
  }
  return true;
}

}  // namespace

// Patterns are split once here, not at every request for every route.
void Router::add(Route route) {
  std::vector<std::string> segments;
  for (const std::string_view part : split_path(route.pattern)) segments.emplace_back(part);
  m_segments.push_back(std::move(segments));
  m_routes.push_back(std::move(route));
}

void Router::add(std::vector<Route> routes) {
  for (auto& r : routes) add(std::move(r));
}

Router::Result Router::dispatch(Request& request) const {
  std::string_view path = request.path;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const std::vector<std::string_view> parts = split_path(path);
  bool path_known = false;
  for (std::size_t i = 0; i < m_routes.size(); ++i) {
    const Route& route = m_routes[i];
    std::map<std::string, std::string> params;
    if (!match(m_segments[i], parts, params)) continue;
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
