#pragma once
// Who may use a route: the JWT check every trading route and the /ws upgrade go through. A
// missing, malformed, wrongly signed or expired token gets 401, a valid token with too small a
// role 403. Read routes accept a loopback request without any token when
// LOOPBACK_READS_WITHOUT_TOKEN is on (the manual's curl probes); a token that is sent is always
// checked. DISABLE_AUTH=true lets everything through, outside production only.
#include <optional>

#include "daemon/http/router.hpp"

namespace bscbot::daemon {

struct App;

// nullopt to let the request through, or the 401/403 answer.
std::optional<http::Response> authorize(const App& app, const http::Request& request, http::Auth needed);

}  // namespace bscbot::daemon
