#pragma once
// Who may use a route: the JWT check every trading route and the /ws upgrade go through. A
// missing, malformed, wrongly signed or expired token gets 401, a valid token with too small a
// role 403. DISABLE_AUTH=true lets everything through, outside production only.
//
// Read routes also accept a request with no token at all when LOOPBACK_READS_WITHOUT_TOKEN is on
// and the request comes straight from a program on this host, as the manual's curl probes do:
// from a loopback address, with a Host of localhost or a loopback address (a DNS-rebound page
// names its own domain), no Origin other than one listed exactly in CORS_ORIGINS (a browser page
// always sends its origin), and no proxy headers (Forwarded, X-Forwarded-For, X-Real-IP, Via).
// A token that is sent is always checked.
#include <optional>
#include <string>

#include "core/config/config.hpp"
#include "daemon/http/router.hpp"

namespace bscbot::daemon {

struct App;

// nullopt to let the request through, or the 401/403 answer.
std::optional<http::Response> authorize(const App& app, const http::Request& request, http::Auth needed);

// Whether `request` is a direct request from a program on this host (see above).
bool direct_local_request(const core::config::Config& cfg, const http::Request& request);

enum class OriginMatch { none, listed, wildcard };

// How `origin` matches CORS_ORIGINS: listed exactly, only through '*', or not at all.
OriginMatch allowed_origin(const core::config::Config& cfg, const std::string& origin);

// A 403 for a WebSocket upgrade from a browser page whose Origin is not in CORS_ORIGINS; nullopt
// when there is no Origin (not a browser) or it is allowed.
std::optional<http::Response> refuse_cross_origin(const App& app, const http::Request& request);

}  // namespace bscbot::daemon
