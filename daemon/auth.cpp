#include "daemon/auth.hpp"

#include <fmt/format.h>

#include <boost/asio/ip/address.hpp>

#include "core/auth/token.hpp"
#include "daemon/app.hpp"

namespace bscbot::daemon {

namespace {

using core::auth::Role;

Role role_for(http::Auth needed) {
  switch (needed) {
    case http::Auth::admin: return Role::admin;
    case http::Auth::trader: return Role::trader;
    case http::Auth::viewer:
    case http::Auth::none: return Role::viewer;
  }
  return Role::admin;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "localhost", "127.0.0.1", "[::1]", with or without a port.
bool loopback_host(const std::string& host_header) {
  std::string host = lower(host_header);
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string::npos) return false;
    host = host.substr(1, close - 1);
  } else if (const auto colon = host.find(':'); colon != std::string::npos) {
    host = host.substr(0, colon);
  }
  if (host == "localhost") return true;
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

http::Response refuse(int status, const std::string& code, const std::string& message) {
  http::Response r = http::Response::error(status, code, message);
  if (status == 401) r.headers["WWW-Authenticate"] = "Bearer";
  return r;
}

}  // namespace

std::optional<http::Response> authorize(const App& app, const http::Request& request, http::Auth needed) {
  if (needed == http::Auth::none) return std::nullopt;
  // The daemon refuses to start with DISABLE_AUTH=true in production; this is the second lock.
  if (app.cfg.boolean("DISABLE_AUTH") && !app.cfg.production()) return std::nullopt;
  std::optional<std::string> token;
  if (const auto header = request.header("authorization")) {
    token = core::auth::bearer_token(*header);
    if (!token) return refuse(401, "unauthorized", "the Authorization header must be 'Bearer <token>'");
  } else if (request.path == "/ws") {
    // Browsers cannot set headers on a WebSocket, so /ws also takes ?token=.
    if (const auto it = request.query.find("token"); it != request.query.end()) token = it->second;
  }
  if (!token) {
    if (needed == http::Auth::viewer && app.cfg.boolean("LOOPBACK_READS_WITHOUT_TOKEN") && direct_local_request(app.cfg, request)) {
      return std::nullopt;
    }
    return refuse(401, "unauthorized", "a token is required: send 'Authorization: Bearer <token>' (mint one with `bscbot token issue`)");
  }
  const auto verdict = app.tokens->verify(app.cfg.text("JWT_SECRET"), *token);
  if (!verdict.ok()) return refuse(401, "unauthorized", verdict.message);
  const Role needed_role = role_for(needed);
  if (!core::auth::role_allows(verdict.claims->role, needed_role)) {
    return refuse(403, "forbidden", fmt::format("role {} of '{}' may not do this; it needs {}", core::auth::to_string(verdict.claims->role),
                                                verdict.claims->subject, core::auth::to_string(needed_role)));
  }
  return std::nullopt;
}

bool direct_local_request(const core::config::Config& cfg, const http::Request& request) {
  if (!request.loopback) return false;
  for (const char* proxy : {"forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip", "via"}) {
    if (request.header(proxy)) return false;
  }
  if (const auto host = request.header("host"); host && !loopback_host(*host)) return false;
  if (const auto origin = request.header("origin"); origin && allowed_origin(cfg, *origin) != OriginMatch::listed) return false;
  return true;
}

OriginMatch allowed_origin(const core::config::Config& cfg, const std::string& origin) {
  OriginMatch match = OriginMatch::none;
  for (const std::string& allowed : cfg.list("CORS_ORIGINS")) {
    if (allowed == origin) return OriginMatch::listed;
    if (allowed == "*") match = OriginMatch::wildcard;
  }
  return match;
}

std::optional<http::Response> refuse_cross_origin(const App& app, const http::Request& request) {
  const auto origin = request.header("origin");
  if (!origin || allowed_origin(app.cfg, *origin) != OriginMatch::none) return std::nullopt;
  return refuse(403, "cross_origin",
                fmt::format("WebSocket connections from pages at {} are refused; list the origin in CORS_ORIGINS to allow it",
                            origin->substr(0, 200)));
}

}  // namespace bscbot::daemon
