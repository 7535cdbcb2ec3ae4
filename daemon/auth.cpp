#include "daemon/auth.hpp"

#include <fmt/format.h>

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
    if (needed == http::Auth::viewer && request.loopback && app.cfg.boolean("LOOPBACK_READS_WITHOUT_TOKEN")) return std::nullopt;
    return refuse(401, "unauthorized", "a token is required: send 'Authorization: Bearer <token>' (mint one with `bscbot token issue`)");
  }
  const auto verdict = core::auth::verify_token(app.cfg.text("JWT_SECRET"), *token);
  if (!verdict.ok()) return refuse(401, "unauthorized", verdict.message);
  const Role needed_role = role_for(needed);
  if (!core::auth::role_allows(verdict.claims->role, needed_role)) {
    return refuse(403, "forbidden", fmt::format("role {} of '{}' may not do this; it needs {}", core::auth::to_string(verdict.claims->role),
                                                verdict.claims->subject, core::auth::to_string(needed_role)));
  }
  return std::nullopt;
}

}  // namespace bscbot::daemon
