// bscbot audit on real deployment folders: a fresh one with a backup passes; a weak production
// one (defaults for secrets, DISABLE_AUTH, CORS '*', debug logs, a world-writable database, a
// secret committed to git, 401s answered by the real daemon, suspicious trades, no backup)
// fails with evidence, fixes and the manual's Markdown report. The host checks run the real
// command with fake nft/iptables/ufw/dpkg/apt-cache first on PATH (printing what those tools print),
// the real ldd on the real binaries and /proc, and PUBLIC_URL against a local TLS server.
#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "core/audit/http_probe.hpp"
#include "tests/blackbox/audit_host_fixture.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/scratch.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bscbot;
using bscbot::test::Daemon;
using bscbot::test::Scratch;

namespace {

const std::string k_strong_jwt = "Vb8kQ2xN5mR7tW1zL4pJ9sD3fG6hY0uE2aC5vB8nM1qX4wZ7rT0yU3iO6pL9kJ2h";

void take_backup(const Scratch& s) {
  fs::create_directories(s / "backups/daily");
  SQLite::Database source((s / "data/trading-bot.sqlite").string(), SQLite::OPEN_READONLY);
  SQLite::Database target((s / "backups/daily/db_20261125_020000.sqlite").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  SQLite::Backup(target, source).executeStep();
}

std::map<std::string, std::string> severities(const json& doc) {
  std::map<std::string, std::string> out;
  for (const auto& f : doc["findings"]) out[f["id"]] = f["severity"];
  return out;
}

json audit_json(const Scratch& s, std::vector<std::string> args = {}, const std::map<std::string, std::string>& env = {}) {
  args.insert(args.begin(), {"--json", "audit"});
  const auto r = test::bscbot(args, s.path(), env);
  INFO(r.err);
  const json doc = json::parse(r.out);
  CHECK(r.exit_code == doc["exit_code"].get<int>());
  return doc;
}

}  // namespace

TEST_SUITE("audit") {

TEST_CASE("audit: a fresh deployment passes once it has a backup; without one it is CRIT") {
  Scratch s("audit-fresh");
  REQUIRE(test::bscbot({"init", "-q"}, s.path()).exit_code == 0);
  // A host with a policy-drop firewall opening 22 and 10001, and its packages up to date.
  test::FakeHostTools host(s / "tools");
  host.nft(test::nft_ruleset({22, 10001}));
  host.apt_policy_current();
  auto r = test::bscbot({"audit"}, s.path(), host.env());
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("CRIT     Newest good backup") != std::string::npos);
  CHECK(r.out.find("fix: Run `bscbot backup`") != std::string::npos);
  take_backup(s);
  const json doc = audit_json(s, {}, host.env());
  CHECK(doc["status"] == "OK");
  CHECK(doc["findings"].size() == 22);
  for (const auto& f : doc["findings"]) CHECK_MESSAGE(f["severity"] == "OK", f.dump());
  r = test::bscbot({"-q", "audit"}, s.path(), host.env());
  CHECK(r.exit_code == 0);
  CHECK(r.out == "AUDIT OK - 22 checks: 0 critical, 0 warning, 0 unknown, 22 passed\n");
  // --production judges the pre-production checklist before NODE_ENV is set: info logs warn.
  CHECK(severities(audit_json(s, {"--production"}, host.env()))["log_level"] == "WARN");
  // At warn the access lines the manual greps are still written (ACCESS_LOG); with ACCESS_LOG
  // off, audit says that warn has blinded them.
  const auto log_level_of = [&](const json& report) {
    for (const auto& f : report["findings"]) {
      if (f["id"] == "log_level") return f;
    }
    FAIL("no log_level finding");
    return json();
  };
  const std::string dotenv = test::read_text(s / ".env");
  s.write(".env", dotenv + "LOG_LEVEL=warn\n");
  json f = log_level_of(audit_json(s, {"--production"}));
  CHECK(f["severity"] == "OK");
  CHECK(f["evidence"].get<std::string>().find("still written (ACCESS_LOG=true)") != std::string::npos);
  s.write(".env", dotenv + "LOG_LEVEL=warn\nACCESS_LOG=false\n");
  f = log_level_of(audit_json(s, {"--production"}));
  CHECK(f["severity"] == "WARN");
  CHECK(f["fix"].get<std::string>().find("ACCESS_LOG=true") != std::string::npos);
}

TEST_CASE("audit: a weak production deployment is CRIT with evidence and fixes, and the report is written") {
  Scratch s("audit-weak");
  REQUIRE(test::bscbot({"init", "-q"}, s.path()).exit_code == 0);
  {
    // 60 requests without a token, answered 401 by the real daemon and logged.
    Daemon d(s.path());
    d.start();
    for (int i = 0; i < 60; ++i) {
      core::net::HttpRequest req;
      req.method = "POST";
      req.url = d.url("/api/v1/trading/swap");
      req.body = "{}";
      CHECK(core::net::perform(req).status == 401);
    }
    d.stop();
  }
  {
    SQLite::Database db((s / "data/trading-bot.sqlite").string(), SQLite::OPEN_READWRITE);
    db.exec("INSERT INTO trades (wallet_address, token_in, token_out, amount_in, status, finalized_at, tx_hash) VALUES "
            "('0x1111111111111111111111111111111111111111', 'a', 'b', '1500000000000000000000', 'completed', datetime('now'), '0xbig')");
    db.exec("INSERT INTO trades (wallet_address, token_in, token_out, amount_in, status, finalized_at, tx_hash) VALUES "
            "('0x1111111111111111111111111111111111111111', 'a', 'b', '1000', 'completed', datetime('now', '-1 hour'), '0xedited')");
    db.exec("UPDATE trades SET amount_out = '5' WHERE tx_hash = '0xedited'");  // the trigger moves updated_at past finalized_at
  }
  s.write(".env", "NODE_ENV=production\nDISABLE_AUTH=true\nJWT_SECRET=changeme\nCORS_ORIGINS=*\nLOG_LEVEL=debug\nDB_PASSWORD=weakpass1\n");
  ::chmod((s / ".env").c_str(), 0644);
  ::chmod((s / "data/trading-bot.sqlite").c_str(), 0666);
  s.write("config/app.env", "JWT_SECRET=" + k_strong_jwt + "\n");
  REQUIRE(test::run("git", {"init", "-q"}, s.path()).exit_code == 0);
  REQUIRE(test::run("git", {"add", "config/app.env"}, s.path()).exit_code == 0);

  const auto r = test::bscbot({"audit", "--report", "audit.md"}, s.path());
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("changeme") == std::string::npos);
  CHECK(r.out.find(k_strong_jwt) == std::string::npos);
  CHECK(r.out.find("weakpass1") == std::string::npos);
  const json doc = audit_json(s);
  const auto sev = severities(doc);
  const std::map<std::string, std::string> expected = {
      {"disable_auth", "CRIT"},     {"jwt_secret", "CRIT"},   {"db_password", "CRIT"},      {"git_secrets", "CRIT"},
      {"cors_origins", "CRIT"},     {"log_level", "CRIT"},    {"secret_files", "CRIT"},     {"data_permissions", "CRIT"},
      {"unauthorized", "WARN"},     {"large_trades", "WARN"}, {"modified_trades", "CRIT"},  {"backup_freshness", "CRIT"},
      {"backup_permissions", "OK"}, {"jwt_rotation", "OK"},      {"loopback_reads", "WARN"}};
  for (const auto& [id, level] : expected) CHECK_MESSAGE(sev.at(id) == level, id);
  CHECK(doc["production"] == true);
  CHECK(doc["facts"]["unauthorized_7d"] == 60);
  CHECK(doc["facts"]["large_trades"] == 1);
  CHECK(doc["facts"]["modified_trades"] == 1);
  for (const auto& f : doc["findings"]) {
    if (f["severity"] != "OK") CHECK_MESSAGE(!f["fix"].get<std::string>().empty(), f["id"]);
    if (f["id"] == "git_secrets") CHECK(f["evidence"].get<std::string>().find("config/app.env:1") != std::string::npos);
    if (f["id"] == "data_permissions") CHECK(f["evidence"].get<std::string>().find("0666") != std::string::npos);
    if (f["id"] == "large_trades") CHECK(f["evidence"].get<std::string>().find("1500 BNB") != std::string::npos);
  }

  const std::string md = test::read_text(s / "audit.md");
  for (const char* part : {"# Security Audit Report", "Result: **CRIT**", "- Unauthorized attempts (401/403, last 7 days): 60",
                           "- Suspicious trades: 1 above the amount limit, 1 changed after completion", "| CRIT | Authentication enabled",
                           "| WARN | 401/403 answers", "## Recommendations", "chmod 600"}) {
    CHECK_MESSAGE(md.find(part) != std::string::npos, part);
  }
  CHECK(md.find("changeme") == std::string::npos);

  // Fix what an operator fixes in an hour; the large trade and the 401s still warn: exit 1.
  s.write(".env", "NODE_ENV=production\nJWT_SECRET=" + k_strong_jwt + "\nCORS_ORIGINS=https://app.example.com\nLOG_LEVEL=warn\n");
  ::chmod((s / ".env").c_str(), 0600);
  ::chmod((s / "data/trading-bot.sqlite").c_str(), 0644);
  fs::remove_all(s / ".git");
  {
    SQLite::Database db((s / "data/trading-bot.sqlite").string(), SQLite::OPEN_READWRITE);
    db.exec("DELETE FROM trades WHERE tx_hash = '0xedited'");
  }
  take_backup(s);
  const json better = audit_json(s);
  CHECK(better["exit_code"] == 1);
  CHECK(severities(better)["unauthorized"] == "WARN");
  CHECK(severities(better)["large_trades"] == "WARN");
  CHECK(severities(better)["git_secrets"] == "OK");
}

TEST_CASE("audit: the host: firewall rules against what listens, bscbotd beyond loopback, package upgrades") {
  Scratch s("audit-host");
  REQUIRE(test::bscbot({"init", "-q"}, s.path()).exit_code == 0);
  test::FakeHostTools host(s / "tools");
  const auto finding = [&](const json& doc, const std::string& id) {
    for (const auto& f : doc["findings"]) {
      if (f["id"] == id) return f;
    }
    FAIL("no finding " << id);
    return json();
  };
  const auto text = [](const json& f, const char* key) { return f[key].get<std::string>(); };

  // A service of ours on the wildcard address, on a port the firewall also accepts.
  const int port = test::free_port();
  test::Background service("python3", {"-c", "import socket,time; s=socket.socket(); s.bind(('0.0.0.0', " + std::to_string(port) +
                                                 ")); s.listen(); print('listening', flush=True); time.sleep(600)"},
                           s.path(), s / "service.log");
  REQUIRE(service.wait_for_output("listening"));
  host.nft(test::nft_ruleset({22, 10001, port}));
  json f = finding(audit_json(s, {}, host.env()), "firewall");
  CHECK(f["severity"] == "WARN");
  CHECK(text(f, "evidence").find("read with nft -j list ruleset, iptables -S, ip6tables -S") != std::string::npos);
  CHECK(text(f, "evidence").find(fmt::format("beyond 22 and 10001: {} (0.0.0.0 python3 (pid {}))", port, service.pid())) != std::string::npos);
  CHECK(text(f, "fix").find("sudo nft delete rule") != std::string::npos);
  // Closed by the firewall: the listener is no finding.
  host.nft(test::nft_ruleset({22, 10001}));
  f = finding(audit_json(s, {}, host.env()), "firewall");
  CHECK(f["severity"] == "OK");
  CHECK(text(f, "evidence").find(std::to_string(port)) == std::string::npos);
  // No rules: everything is open by default.
  host.nft(R"({"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}]})");
  f = finding(audit_json(s, {}, host.env()), "firewall");
  CHECK(f["severity"] == "WARN");
  CHECK(text(f, "evidence").find("IPv4 accepts incoming connections by default (input policy accept)") != std::string::npos);
  CHECK(text(f, "evidence").find(fmt::format("{} (0.0.0.0 python3", port)) != std::string::npos);
  CHECK(text(f, "fix").find("policy drop") != std::string::npos);
  // Not root: UNKNOWN, with the command to run by hand.
  host.refuse();
  f = finding(audit_json(s, {}, host.env()), "firewall");
  CHECK(f["severity"] == "UNKNOWN");
  CHECK(text(f, "evidence") == "cannot read the firewall rules: nft -j list ruleset: Operation not permitted (you must be root)");
  CHECK(text(f, "fix").find("`sudo nft list ruleset`") != std::string::npos);

  // bscbotd on every address without TLS in front: CRIT in production.
  f = finding(audit_json(s, {"--production"}, host.env({{"HOST", "0.0.0.0"}})), "daemon_exposure");
  CHECK(f["severity"] == "CRIT");
  CHECK(text(f, "evidence").find("HOST=0.0.0.0 (environment)") != std::string::npos);
  CHECK(text(f, "fix").find("Set HOST=127.0.0.1") != std::string::npos);

  // A security upgrade of libc6 pending in the package lists; the packages are those of the real
  // binaries' libraries (ldd), libcurl4 among them.
  host.apt_policy("libc6", "libc6:\n  Installed: 2.36-9+deb12u7\n  Candidate: 2.36-9+deb12u14\n  Version table:\n"
                           "     2.36-9+deb12u14 500\n        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages\n"
                           " *** 2.36-9+deb12u7 100\n        100 /var/lib/dpkg/status\n");
  const json doc = audit_json(s, {}, host.env());
  f = finding(doc, "package_upgrades");
  CHECK(f["severity"] == "WARN");
  CHECK(text(f, "evidence").find("1 of 2 package(s) the libraries of bscbotd and bscbot come from have upgrades pending: "
                                 "libc6 2.36-9+deb12u7 -> 2.36-9+deb12u14 (security); package lists") != std::string::npos);
  CHECK(text(f, "fix").rfind("sudo apt-get install --only-upgrade libc6, then `bscbot daemon restart`", 0) == 0);
  const std::string asked = host.apt_asked();
  CHECK(asked.find("policy") != std::string::npos);
  CHECK(asked.find("libc6") != std::string::npos);
  CHECK(asked.find("libcurl4") != std::string::npos);
}

TEST_CASE("audit: PUBLIC_URL against a local TLS server: certificate days on the injected clock, redirect, an unverifiable chain") {
  Scratch s("audit-https");
  REQUIRE(test::bscbot({"init", "-q"}, s.path()).exit_code == 0);
  test::FakeHostTools host(s / "tools");
  // A private CA and a certificate for 127.0.0.1 that it signs, valid 40 days from now.
  const auto made = test::shell(
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 400 -subj '/CN=bscbot test CA' 2>/dev/null && "
      "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=127.0.0.1' 2>/dev/null && "
      "printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext && "
      "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 40 -extfile san.ext -out server.crt 2>/dev/null && "
      "openssl x509 -noout -enddate -in server.crt",
      s.path());
  REQUIRE_MESSAGE(made.exit_code == 0, made.err);
  const auto not_after = core::audit::parse_cert_date(made.out.substr(made.out.find('=') + 1));  // notAfter=Jan  4 12:00:00 2027 GMT
  REQUIRE(not_after);
  // HTTPS on one port; plain http on another answering 301 to it, except /plain, answered 200.
  const int tls_port = test::free_port();
  int http_port = test::free_port();
  while (http_port == tls_port) http_port = test::free_port();
  s.write("servers.py", R"(import http.server, ssl, sys, threading
tls_port, http_port = int(sys.argv[1]), int(sys.argv[2])
class Tls(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self):
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args): pass
class Plain(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self):
        if self.path.startswith("/plain"):
            self.send_response(200)
        else:
            self.send_response(301); self.send_header("Location", "https://127.0.0.1:%d%s" % (tls_port, self.path))
        self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args): pass
tls = http.server.ThreadingHTTPServer(("127.0.0.1", tls_port), Tls)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain("server.crt", "server.key")
tls.socket = context.wrap_socket(tls.socket, server_side=True)
plain = http.server.ThreadingHTTPServer(("127.0.0.1", http_port), Plain)
threading.Thread(target=plain.serve_forever, daemon=True).start()
print("ready", flush=True)
tls.serve_forever()
)");
  test::Background servers("python3", {"servers.py", std::to_string(tls_port), std::to_string(http_port)}, s.path(), s / "servers.log");
  REQUIRE_MESSAGE(servers.wait_for_output("ready"), servers.output());

  const std::string url = fmt::format("https://127.0.0.1:{}/app", tls_port);
  const auto env = host.env({{"PUBLIC_URL", url}, {"PUBLIC_HTTP_PORT", std::to_string(http_port)}, {"PUBLIC_URL_CA_FILE", (s / "ca.crt").string()}});
  const auto at = [&](int days_before_expiry, const std::map<std::string, std::string>& e) {
    const auto r = test::bscbot_at(core::to_sql_datetime(*not_after - std::chrono::hours(24 * days_before_expiry)), {"--json", "audit"}, s.path(), e);
    INFO(r.err);
    const json doc = json::parse(r.out);
    std::map<std::string, json> by_id;
    for (const auto& f : doc["findings"]) by_id[f["id"]] = f;
    return by_id;
  };
  auto f = at(30, env);
  CHECK(f["public_https"]["severity"] == "OK");
  CHECK(f["public_https"]["evidence"].get<std::string>().find("answers 200 over verified TLS; the certificate expires " +
                                                               core::to_sql_datetime(*not_after) + " UTC, 30 day(s) left") != std::string::npos);
  CHECK(f["public_redirect"]["severity"] == "OK");
  CHECK(f["public_redirect"]["evidence"] == fmt::format("http://127.0.0.1:{}/app answers 301 to https://127.0.0.1:{}/app", http_port, tls_port));
  CHECK(f["daemon_exposure"]["severity"] == "OK");
  CHECK(at(10, env)["public_https"]["severity"] == "WARN");
  f = at(3, env);
  CHECK(f["public_https"]["severity"] == "CRIT");
  CHECK(f["public_https"]["fix"].get<std::string>().find("certbot renew") != std::string::npos);

  // Without the private CA the chain cannot be verified: CRIT in curl's words.
  auto untrusted = env;
  untrusted.erase("PUBLIC_URL_CA_FILE");
  f = at(30, untrusted);
  CHECK(f["public_https"]["severity"] == "CRIT");
  const std::string evidence = f["public_https"]["evidence"];
  CHECK_MESSAGE(evidence.find("the certificate cannot be verified: SSL certificate problem: unable to get local issuer certificate") != std::string::npos, evidence);
  CHECK(evidence.find("the certificate it presents expires " + core::to_sql_datetime(*not_after) + " UTC, 30 day(s) left") != std::string::npos);

  // An http:// answer in plain text instead of a redirect.
  auto plain = env;
  plain["PUBLIC_URL"] = fmt::format("https://127.0.0.1:{}/plain", tls_port);
  f = at(30, plain);
  CHECK(f["public_redirect"]["severity"] == "WARN");
  CHECK(f["public_redirect"]["evidence"] == fmt::format("http://127.0.0.1:{}/plain answers 200 in plain text instead of redirecting to https", http_port));
}

}  // TEST_SUITE
