// PUBLIC_URL's findings with a scripted server: https and its certificate (days left on an
// injected clock, an unverifiable one with curl's words), the http:// redirect, and bscbotd's
// plain HTTP beyond loopback.
#include <doctest/doctest.h>

#include <map>

#include "core/audit/public_url.hpp"
#include "tests/support/scratch.hpp"

using namespace bscbot::core;
using namespace bscbot::core::audit;
using bscbot::test::Scratch;
using checks::Status;

namespace {

config::Config load(const Scratch& s, const std::string& dotenv) {
  s.write(".env", dotenv);
  config::LoadOptions o;
  o.config_file = s / "bscbot.yaml";
  o.dotenv_file = s / ".env";
  s.write("bscbot.yaml", "");
  return config::load(o);
}

const SystemTime k_now = parse_sql_datetime("2026-11-25 12:00:00");

// A server scripted by URL; `asked` records the requests.
struct FakeServer {
  std::map<std::string, ProbeAnswer> answers;        // verified requests
  std::map<std::string, ProbeAnswer> insecure;       // verify=false, when it differs
  std::vector<ProbeRequest> asked;
  HttpProber prober() {
    return [this](const ProbeRequest& r) {
      asked.push_back(r);
      // Without verification a server answers as `insecure` says, else as it always does.
      if (!r.verify) {
        if (const auto it = insecure.find(r.url); it != insecure.end()) return it->second;
      }
      if (const auto it = answers.find(r.url); it != answers.end()) return it->second;
      ProbeAnswer refused;
      refused.error = "Failed to connect to " + r.url + ": Connection refused";
      return refused;
    };
  }
};

ProbeAnswer answer(long status, std::string location = "", std::optional<SystemTime> expires = std::nullopt) {
  ProbeAnswer a;
  a.answered = true;
  a.status = status;
  a.location = std::move(location);
  a.cert_expires = expires;
  return a;
}

}  // namespace

TEST_CASE("public_url: certificate expiry from libcurl's certinfo text") {
  CHECK(parse_cert_date("Mar  1 12:00:00 2027 GMT") == parse_sql_datetime("2027-03-01 12:00:00"));
  CHECK(parse_cert_date(" Dec 25 00:00:05 2026 GMT") == parse_sql_datetime("2026-12-25 00:00:05"));
  CHECK(parse_cert_date("2027-03-01 12:00:00 GMT") == parse_sql_datetime("2027-03-01 12:00:00"));
  CHECK(!parse_cert_date("soon"));
}

TEST_CASE("public_url: unset is OK for both findings, and nothing is probed") {
  Scratch s("audit-public-unset");
  FakeServer server;
  const auto cfg = load(s, "");
  CHECK(audit_public_https(cfg, true, server.prober(), k_now).severity == Status::ok);
  CHECK(audit_public_https(cfg, true, server.prober(), k_now).evidence.find("not set") != std::string::npos);
  CHECK(audit_public_redirect(cfg, true, server.prober()).severity == Status::ok);
  CHECK(server.asked.empty());
}

TEST_CASE("public_url: http:// is CRIT in production, WARN elsewhere") {
  Scratch s("audit-public-http");
  FakeServer server;
  const auto cfg = load(s, "PUBLIC_URL=http://bot.example.com/\n");
  const Finding f = audit_public_https(cfg, true, server.prober(), k_now);
  CHECK(f.severity == Status::crit);
  CHECK(f.evidence.find("is not https") != std::string::npos);
  CHECK(f.fix.find("certbot --nginx -d bot.example.com") != std::string::npos);
  CHECK(audit_public_https(cfg, false, server.prober(), k_now).severity == Status::warn);
  CHECK(server.asked.empty());
}

TEST_CASE("public_url: days left against CERT_WARN_DAYS and CERT_CRIT_DAYS on the injected clock") {
  Scratch s("audit-public-days");
  FakeServer server;
  const std::string url = "https://bot.example.com/app";
  const auto cfg = load(s, "PUBLIC_URL=" + url + "\n");
  const auto with_days = [&](int days) {
    server.answers[url] = answer(200, "", k_now + std::chrono::hours(24 * days) + std::chrono::minutes(1));
    return audit_public_https(cfg, true, server.prober(), k_now);
  };
  Finding f = with_days(60);
  CHECK(f.severity == Status::ok);
  CHECK(f.evidence.find("answers 200 over verified TLS; the certificate expires 2027-01-24 12:01:00 UTC, 60 day(s) left") != std::string::npos);
  CHECK(f.evidence.find("warn under 21, crit under 7") != std::string::npos);
  CHECK(with_days(21).severity == Status::ok);
  CHECK(with_days(20).severity == Status::warn);
  CHECK(with_days(7).severity == Status::warn);
  f = with_days(6);
  CHECK(f.severity == Status::crit);
  CHECK(f.fix.find("certbot renew") != std::string::npos);
  CHECK(server.asked.back().verify);
  CHECK(server.asked.back().ca_file.empty());

  const auto tight = load(s, "PUBLIC_URL=" + url + "\nCERT_WARN_DAYS=90\nCERT_CRIT_DAYS=30\nPUBLIC_URL_CA_FILE=/etc/ssl/private-ca.pem\n");
  server.answers[url] = answer(200, "", k_now + std::chrono::hours(24 * 60));
  CHECK(audit_public_https(tight, true, server.prober(), k_now).severity == Status::warn);
  CHECK(server.asked.back().ca_file == "/etc/ssl/private-ca.pem");
  server.answers[url] = answer(200, "", k_now - std::chrono::hours(48));
  const Finding expired = audit_public_https(cfg, true, server.prober(), k_now);
  CHECK(expired.severity == Status::crit);
  CHECK(expired.evidence.find("expired 2 day(s) ago") != std::string::npos);
}

TEST_CASE("public_url: an unverifiable certificate is CRIT with curl's text and what it presents; no answer is UNKNOWN") {
  Scratch s("audit-public-invalid");
  FakeServer server;
  const std::string url = "https://bot.example.com/";
  const auto cfg = load(s, "PUBLIC_URL=" + url + "\n");
  ProbeAnswer bad;
  bad.certificate_error = true;
  bad.error = "SSL certificate problem: self-signed certificate";
  server.answers[url] = bad;
  server.insecure[url] = answer(200, "", k_now + std::chrono::hours(24 * 30));
  const Finding f = audit_public_https(cfg, false, server.prober(), k_now);
  CHECK(f.severity == Status::crit);
  CHECK(f.evidence.find("the certificate cannot be verified: SSL certificate problem: self-signed certificate") != std::string::npos);
  CHECK(f.evidence.find("the certificate it presents expires 2026-12-25 12:00:00 UTC, 30 day(s) left") != std::string::npos);
  CHECK(f.fix.find("PUBLIC_URL_CA_FILE") != std::string::npos);

  server.answers.clear();
  const Finding gone = audit_public_https(cfg, true, server.prober(), k_now);
  CHECK(gone.severity == Status::unknown);
  CHECK(gone.evidence.find("Connection refused") != std::string::npos);
  CHECK(gone.fix.find("curl -I https://bot.example.com/") != std::string::npos);
}

TEST_CASE("public_url: the http:// form must redirect to https") {
  Scratch s("audit-public-redirect");
  FakeServer server;
  const auto cfg = load(s, "PUBLIC_URL=https://bot.example.com:8443/app?x=1\n");
  const std::string plain = "http://bot.example.com/app?x=1";
  server.answers[plain] = answer(301, "https://bot.example.com:8443/app?x=1");
  Finding f = audit_public_redirect(cfg, true, server.prober());
  CHECK(f.severity == Status::ok);
  CHECK(f.evidence == plain + " answers 301 to https://bot.example.com:8443/app?x=1");
  CHECK(!server.asked.back().verify);
  for (long status : {302L, 307L, 308L}) {
    server.answers[plain] = answer(status, "https://bot.example.com/");
    CHECK(audit_public_redirect(cfg, true, server.prober()).severity == Status::ok);
  }
  server.answers[plain] = answer(200);
  f = audit_public_redirect(cfg, true, server.prober());
  CHECK(f.severity == Status::crit);
  CHECK(f.evidence.find("answers 200 in plain text") != std::string::npos);
  CHECK(f.fix.find("return 301 https://$host$request_uri;") != std::string::npos);
  CHECK(audit_public_redirect(cfg, false, server.prober()).severity == Status::warn);
  server.answers[plain] = answer(301, "http://bot.example.com/other");
  CHECK(audit_public_redirect(cfg, false, server.prober()).evidence.find("which is not https") != std::string::npos);

  server.answers.clear();  // nothing answers plain http: nothing is served in plain text
  f = audit_public_redirect(cfg, true, server.prober());
  CHECK(f.severity == Status::ok);
  CHECK(f.evidence.find("does not answer") != std::string::npos);

  const auto other_port = load(s, "PUBLIC_URL=https://bot.example.com/\nPUBLIC_HTTP_PORT=8080\n");
  audit_public_redirect(other_port, true, server.prober());
  CHECK(server.asked.back().url == "http://bot.example.com:8080/");
}

TEST_CASE("public_url: bscbotd beyond loopback needs TLS in front") {
  Scratch s("audit-exposure");
  CHECK(audit_daemon_exposure(load(s, ""), true).severity == Status::ok);
  CHECK(audit_daemon_exposure(load(s, "HOST=localhost\n"), true).severity == Status::ok);
  const Finding open = audit_daemon_exposure(load(s, "HOST=0.0.0.0\n"), true);
  CHECK(open.severity == Status::crit);
  CHECK(open.evidence.find("HOST=0.0.0.0") != std::string::npos);
  CHECK(open.evidence.find("PUBLIC_URL is not set") != std::string::npos);
  CHECK(open.fix.find("Set HOST=127.0.0.1") != std::string::npos);
  CHECK(audit_daemon_exposure(load(s, "HOST=0.0.0.0\n"), false).severity == Status::warn);
  CHECK(audit_daemon_exposure(load(s, "HOST=0.0.0.0\nPUBLIC_URL=http://bot.example.com\n"), true).evidence.find("not https") != std::string::npos);
  const Finding fronted = audit_daemon_exposure(load(s, "HOST=0.0.0.0\nPUBLIC_URL=https://bot.example.com\n"), true);
  CHECK(fronted.severity == Status::ok);
  CHECK(fronted.evidence.find("keep PORT 10001 closed") != std::string::npos);
}
