#pragma once
// The manual's pre-production check 8, `curl -I https://your-domain.com` ("HTTPS redirect
// enabled"), for PUBLIC_URL: https with a certificate that verifies and is not about to expire,
// the http:// form redirecting to it; and bscbotd's plain HTTP not reaching the network
// without TLS in front.
#include "core/audit/finding.hpp"
#include "core/audit/http_probe.hpp"
#include "core/config/config.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::audit {

// PUBLIC_URL is https://, its certificate verifies (CRIT with curl's error otherwise) and has
// more than CERT_WARN_DAYS / CERT_CRIT_DAYS left on `now`. OK when PUBLIC_URL is not set.
Finding audit_public_https(const config::Config& cfg, bool production, const HttpProber& probe, SystemTime now);

// http://HOST[:PUBLIC_HTTP_PORT]/path of PUBLIC_URL answers 301/302/307/308 to https://; a plain
// answer is WARN (CRIT in production); no answer at all serves nothing in plain text.
Finding audit_public_redirect(const config::Config& cfg, bool production, const HttpProber& probe);

// HOST beyond loopback while PUBLIC_URL is not https: bscbotd's plain HTTP (tokens, trades)
// crosses the network. WARN, CRIT in production.
Finding audit_daemon_exposure(const config::Config& cfg, bool production);

}  // namespace bscbot::core::audit
