#pragma once
// The manual's `curl -I https://your-domain.com`, as the audit's probe of PUBLIC_URL: one HEAD
// request, redirects not followed, with the server certificate's expiry. Behind a function type
// so tests can answer for a server; the command uses libcurl.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/util/clock.hpp"

namespace bscbot::core::audit {

struct ProbeRequest {
  std::string url;
  bool verify = true;   // verify the certificate chain and host name
  std::string ca_file;  // CA bundle to verify with; empty: the system's
};

struct ProbeAnswer {
  bool answered = false;                   // an HTTP status came back
  long status = 0;
  std::string location;                    // a redirect's Location, as sent
  bool certificate_error = false;          // TLS failed: unverifiable certificate or handshake
  std::string error;                       // curl's text when nothing was answered
  std::optional<SystemTime> cert_expires;  // the server certificate's "not after"
};

using HttpProber = std::function<ProbeAnswer(const ProbeRequest&)>;

// HEAD `request.url` with libcurl: 3 s to connect, 5 s in all, no redirect followed.
ProbeAnswer probe_http(const ProbeRequest& request);

// A certificate date as libcurl's certinfo "Expire date" gives it with OpenSSL
// ("Mar  1 12:00:00 2027 GMT") or GnuTLS ("2027-03-01 12:00:00 GMT").
std::optional<SystemTime> parse_cert_date(std::string_view text);

}  // namespace bscbot::core::audit
