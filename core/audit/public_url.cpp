#include "core/audit/public_url.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <memory>

#include "core/checks/status.hpp"

namespace bscbot::core::audit {

using checks::Status;

namespace {

using Url = std::unique_ptr<CURLU, decltype(&curl_url_cleanup)>;

Url parse(const std::string& text) {
  Url u(curl_url(), curl_url_cleanup);
  if (u && curl_url_set(u.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) u.reset();
  return u;
}

std::string part(const Url& u, CURLUPart which) {
  char* value = nullptr;
  std::string out;
  if (u && curl_url_get(u.get(), which, &value, 0) == CURLUE_OK && value) out = value;
  curl_free(value);
  return out;
}

std::string scheme_of(const std::string& url) { return part(parse(url), CURLUPART_SCHEME); }

// PUBLIC_URL's http:// form: same host and path, on PUBLIC_HTTP_PORT.
std::string http_form(const std::string& url, std::int64_t port) {
  Url u = parse(url);
  if (!u) return "";
  curl_url_set(u.get(), CURLUPART_SCHEME, "http", 0);
  curl_url_set(u.get(), CURLUPART_PORT, port == 80 ? nullptr : std::to_string(port).c_str(), 0);
  return part(u, CURLUPART_URL);
}

std::string where(const config::Config& cfg, std::string_view name) { return cfg.source(name).describe(); }

std::string host_of(const std::string& url) { return part(parse(url), CURLUPART_HOST); }

bool loopback_host(const std::string& h) { return h == "localhost" || h == "::1" || h == "[::1]" || h.rfind("127.", 0) == 0; }

}  // namespace

Finding audit_public_https(const config::Config& cfg, bool production, const HttpProber& probe, SystemTime now) {
  Finding f{"public_https", "PUBLIC_URL is https with a valid certificate", Status::ok, "", ""};
  const std::string& url = cfg.text("PUBLIC_URL");
  if (url.empty()) {
    f.evidence = "PUBLIC_URL is not set: no public address to check";
    return f;
  }
  const std::string shown = fmt::format("PUBLIC_URL={} ({})", url, where(cfg, "PUBLIC_URL"));
  if (scheme_of(url) != "https") {
    f.severity = production ? Status::crit : Status::warn;
    f.evidence = shown + " is not https: tokens and trades cross the network in plain text";
    f.fix = fmt::format("Serve it through a TLS reverse proxy (nginx or caddy with a Let's Encrypt certificate: `sudo certbot --nginx -d {}`) "
                        "and set PUBLIC_URL=https://…",
                        host_of(url));
    return f;
  }
  ProbeRequest request{url, /*verify=*/true, cfg.is_set("PUBLIC_URL_CA_FILE") ? cfg.path("PUBLIC_URL_CA_FILE").string() : ""};
  ProbeAnswer answer = probe(request);
  const auto days_left = [&](SystemTime expires) { return std::chrono::duration<double>(expires - now).count() / 86400.0; };
  const auto expiry_text = [&](SystemTime expires) {
    const double days = days_left(expires);
    return fmt::format("{} UTC, {}", to_sql_datetime(expires),
                       days < 0 ? fmt::format("expired {} day(s) ago", static_cast<long long>(-days)) : fmt::format("{} day(s) left", static_cast<long long>(days)));
  };
  if (!answer.answered) {
    if (answer.certificate_error) {
      f.severity = Status::crit;
      f.evidence = fmt::format("{}: the certificate cannot be verified: {}", shown, answer.error);
      // What it presents, read without verifying, so the operator sees which certificate it is.
      request.verify = false;
      const ProbeAnswer insecure = probe(request);
      if (insecure.cert_expires) f.evidence += "; the certificate it presents expires " + expiry_text(*insecure.cert_expires);
      f.fix = fmt::format("Install a certificate a public CA signs for {} with its full chain (`sudo certbot --nginx -d {}`), or set "
                          "PUBLIC_URL_CA_FILE to the private CA that signs it",
                          host_of(url), host_of(url));
    } else {
      f.severity = Status::unknown;
      f.evidence = fmt::format("{}: no answer from this machine: {}", shown, answer.error);
      f.fix = fmt::format("Check from outside: `curl -I {}` (this host may not reach its own public address)", url);
    }
    return f;
  }
  if (!answer.cert_expires) {
    f.severity = Status::unknown;
    f.evidence = fmt::format("{} answers {} over verified TLS, but its certificate's expiry was not reported", shown, answer.status);
    f.fix = fmt::format("Read it by hand: `openssl s_client -connect {}:443 </dev/null | openssl x509 -noout -enddate`", host_of(url));
    return f;
  }
  const double days = days_left(*answer.cert_expires);
  const double warn = cfg.number("CERT_WARN_DAYS"), crit = cfg.number("CERT_CRIT_DAYS");
  f.evidence = fmt::format("{} answers {} over verified TLS; the certificate expires {} (warn under {}, crit under {})", shown,
                           answer.status, expiry_text(*answer.cert_expires), checks::number_text(warn, 0), checks::number_text(crit, 0));
  if (days < crit || days < warn) {
    f.severity = days < crit ? Status::crit : Status::warn;
    f.fix = "Renew the certificate (`sudo certbot renew`) and make sure renewal runs by itself (`systemctl list-timers certbot.timer`)";
  }
  return f;
}

Finding audit_public_redirect(const config::Config& cfg, bool production, const HttpProber& probe) {
  Finding f{"public_redirect", "http:// of PUBLIC_URL redirects to https", Status::ok, "", ""};
  const std::string& url = cfg.text("PUBLIC_URL");
  if (url.empty()) {
    f.evidence = "PUBLIC_URL is not set: no public address to check";
    return f;
  }
  if (scheme_of(url) != "https") {
    f.evidence = fmt::format("PUBLIC_URL={} is itself http:// (see public_https)", url);
    return f;
  }
  const std::string plain = http_form(url, cfg.integer("PUBLIC_HTTP_PORT"));
  const ProbeAnswer answer = probe(ProbeRequest{plain, /*verify=*/false, ""});
  const std::string fix = fmt::format("Answer {} with a permanent redirect to https (nginx: `return 301 https://$host$request_uri;` in the "
                                      "port {} server block)",
                                      plain, cfg.integer("PUBLIC_HTTP_PORT"));
  if (!answer.answered) {
    f.evidence = fmt::format("{} does not answer ({}): nothing is served in plain text", plain, answer.error);
    return f;
  }
  const bool redirect = answer.status == 301 || answer.status == 302 || answer.status == 307 || answer.status == 308;
  if (redirect && answer.location.rfind("https://", 0) == 0) {
    f.evidence = fmt::format("{} answers {} to {}", plain, answer.status, answer.location);
    return f;
  }
  f.severity = production ? Status::crit : Status::warn;
  f.evidence = redirect ? fmt::format("{} answers {} to {}, which is not https", plain, answer.status, answer.location.empty() ? "(no Location)" : answer.location)
                        : fmt::format("{} answers {} in plain text instead of redirecting to https", plain, answer.status);
  f.fix = fix;
  return f;
}

Finding audit_daemon_exposure(const config::Config& cfg, bool production) {
  Finding f{"daemon_exposure", "bscbotd's plain HTTP stays on loopback unless TLS is in front", Status::ok, "", ""};
  const std::string& host = cfg.text("HOST");
  const std::string shown = fmt::format("HOST={} ({})", host, where(cfg, "HOST"));
  const std::string& url = cfg.text("PUBLIC_URL");
  if (loopback_host(host)) {
    f.evidence = shown + ": bscbotd answers only on this machine";
    return f;
  }
  if (scheme_of(url) == "https") {
    f.evidence = fmt::format("{} with PUBLIC_URL={}: clients come through TLS; keep PORT {} closed to all but the proxy (see firewall)",
                             shown, url, cfg.integer("PORT"));
    return f;
  }
  f.severity = production ? Status::crit : Status::warn;
  f.evidence = fmt::format("{}: bscbotd serves plain HTTP on port {} beyond loopback and PUBLIC_URL is {}: tokens and the trade stream "
                           "cross the network unencrypted",
                           shown, cfg.integer("PORT"), url.empty() ? "not set" : "not https (" + url + ")");
  f.fix = "Set HOST=127.0.0.1 and serve the network through a TLS reverse proxy (nginx, caddy) with PUBLIC_URL=https://…; if one "
          "already fronts bscbotd, set PUBLIC_URL to its https:// address";
  return f;
}

}  // namespace bscbot::core::audit
