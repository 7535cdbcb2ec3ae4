// The manual's `echo "CRITICAL: BSC Trading Bot down" | mail -s "S1 Incident" oncall@team.com`:
// `bscbot incident new --severity S1` mails both on-call engineers through a loopback SMTP sink
// that insists on STARTTLS and AUTH, with the right headers; acknowledging it stops the
// escalation, and an unacknowledged one reaches the secondary again.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <regex>

#include "tests/blackbox/notify_fixture.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bscbot;
using namespace bscbot::test::notify;
using bscbot::test::Background;
using bscbot::test::Scratch;

namespace {

const std::string k_t0 = "2026-12-01 10:00:00";

const char* k_mail_contacts = R"(
contacts:
  primary:
    name: Alice
    email: oncall@team.com
  secondary:
    name: Bob
    email: [backup@team.com]
  team:
    email: devops@team.com
)";

// A self-signed certificate for 127.0.0.1 and an SMTP sink that requires STARTTLS and a login.
struct MailSink {
  Scratch& s;
  fs::path out;
  std::unique_ptr<Background> sink;
  int port = 0;

  bool implicit_tls = false;

  explicit MailSink(Scratch& scratch, bool smtps = false) : s(scratch), out(scratch / "mail"), implicit_tls(smtps) {
    fs::create_directories(out);
    const auto cert = test::run("openssl", {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days",
                                            "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"},
                                s.path());
    REQUIRE_MESSAGE(cert.exit_code == 0, cert.err);
    std::vector<std::string> args = {(fs::path(BSCBOT_SOURCE_DIR) / "tests/support/smtp_sink.py").string(), out.string(), (s / "cert.pem").string(),
                                     (s / "key.pem").string(), "--require-tls", "--user", "alerts", "--password", "s3cret"};
    if (implicit_tls) args.push_back("--implicit-tls");
    sink = std::make_unique<Background>("python3", args, s.path(), s / "smtp-sink.log");
    REQUIRE_MESSAGE(sink->wait_for_output("ready "), sink->output());
    std::smatch m;
    const std::string text = sink->output();
    REQUIRE(std::regex_search(text, m, std::regex(R"(ready (\d+))")));
    port = std::stoi(m[1]);
  }

  Env env() const {
    return {{"NOTIFY_SMTP_URL", (implicit_tls ? "smtps://127.0.0.1:" : "smtp://127.0.0.1:") + std::to_string(port)},
            {"NOTIFY_SMTP_TLS", "starttls"},
            {"NOTIFY_SMTP_CA_FILE", (s / "cert.pem").string()},
            {"NOTIFY_SMTP_USER", "alerts"},
            {"NOTIFY_SMTP_PASSWORD", "s3cret"},
            {"NOTIFY_SMTP_FROM", "bscbot@test-host"},
            {"NOTIFY_SOURCE", "test-host"},
            {"NOTIFY_RETRY_BACKOFF_MS", "10"}};
  }

  std::vector<json> mails() const {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(out)) {
      if (e.path().extension() == ".json") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    std::vector<json> out_mails;
    for (const auto& f : files) out_mails.push_back(json::parse(test::read_text(f)));
    return out_mails;
  }
};

std::map<std::string, std::string> headers_of(const std::string& data) {
  std::map<std::string, std::string> h;
  std::istringstream in(data);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    const auto colon = line.find(':');
    if (colon != std::string::npos) h[line.substr(0, colon)] = line.substr(colon + 2);
  }
  return h;
}

std::string body_of(const std::string& data) { return data.substr(data.find("\r\n\r\n") + 4); }

}  // namespace

TEST_SUITE("notify") {

TEST_CASE("notify: an S1 incident is mailed to both on-call engineers over STARTTLS with AUTH, with the right headers") {
  Scratch s("notify-mail");
  deploy(s, k_mail_contacts);
  MailSink sink(s);
  // No daemon here: a port nobody uses, so a bscbotd of another test is never asked.
  const Env env = with(with(sink.env(), k_host_neutral), {{"PORT", std::to_string(test::free_port())}});
  auto r = test::bscbot_at(k_t0, {"--json", "incident", "new", "--severity", "S1", "BSC Trading Bot down", "--detected", "0m"}, s.path(), env);
  INFO(r.out << r.err << sink.sink->output());
  REQUIRE(r.exit_code == 0);
  const json created = json::parse(r.out);
  const std::string id = created["id"];
  CHECK(id == "incident_S1_20261201_100000");
  CHECK(created["notified"] == true);
  // The incident carries the diagnosis: the daemon is down in this deployment.
  CHECK(created["diagnosis"]["status"] == "CRIT");
  CHECK(test::read_text(s / ("reports/" + id + ".md")).find("## Diagnosis at ") != std::string::npos);

  const auto mails = sink.mails();
  REQUIRE(mails.size() == 2);
  std::set<std::string> to;
  for (const auto& m : mails) {
    CHECK(m["tls"] == true);
    CHECK(m["auth"]["user"] == "alerts");
    CHECK(m["mail_from"] == "<bscbot@test-host>");
    REQUIRE(m["rcpt_to"].size() == 1);
    to.insert(m["rcpt_to"][0].get<std::string>());
    const std::string data = m["data"];
    const auto h = headers_of(data);
    CHECK(h.at("Subject") == "[S1 CRITICAL] S1 Incident (Critical): BSC Trading Bot down (test-host)");
    CHECK(h.at("From") == "bscbot@test-host");
    CHECK(h.at("Date") == "Tue, 01 Dec 2026 10:00:00 +0000");
    CHECK(h.at("X-Bscbot-Severity") == "critical");
    CHECK(h.at("X-Bscbot-Alert") == id);
    CHECK(h.at("Content-Type") == "text/plain; charset=utf-8");
    CHECK(h.at("MIME-Version") == "1.0");
    CHECK(h.count("Message-ID") == 1);
    CHECK("<" + h.at("To") + ">" == m["rcpt_to"][0].get<std::string>());
    const std::string body = body_of(data);
    CHECK(body.find("S1 Incident (Critical): BSC Trading Bot down [S1 CRITICAL, " + id + "]\r\n") != std::string::npos);
    CHECK(body.find("- report reports/" + id + ".md") != std::string::npos);
    CHECK(body.find("- diagnosis: bscbotd is not running -> bscbot daemon start") != std::string::npos);
    CHECK(body.find("Acknowledge (respond within 15 minutes): bscbot incident ack " + id) != std::string::npos);
  }
  CHECK(to == std::set<std::string>{"<oncall@team.com>", "<backup@team.com>"});

  // Taken: the escalation stops and the report's timeline says who took it.
  r = test::bscbot_at(test::shift(k_t0, 300), {"incident", "ack", id, "--by", "alice"}, s.path(), env);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(test::read_text(s / ("reports/" + id + ".md")).find("Acknowledged by alice; escalation stopped") != std::string::npos);
  r = test::bscbot_at(test::shift(k_t0, 20 * 60), {"--json", "notify", "escalate"}, s.path(), env);
  CHECK(json::parse(r.out)["escalated"].empty());
  CHECK(sink.mails().size() == 2);

  // Resolving it tells both again.
  r = test::bscbot_at(test::shift(k_t0, 40 * 60), {"incident", "resolve", id, "--note", "restarted bscbotd"}, s.path(), env);
  REQUIRE(r.exit_code == 0);
  const auto after = sink.mails();
  REQUIRE(after.size() == 4);
  CHECK(headers_of(after.back()["data"]).at("Subject") == "[RESOLVED] RESOLVED: S1 Incident: BSC Trading Bot down (test-host)");
  CHECK(headers_of(after.back()["data"]).at("X-Bscbot-Severity") == "resolved");
}

TEST_CASE("notify: an unacknowledged S2 escalates to the secondary; a refused login is not retried and names the server's answer") {
  Scratch s("notify-mail-escalate");
  deploy(s, k_mail_contacts);
  MailSink sink(s);
  // No daemon here: a port nobody uses, so a bscbotd of another test is never asked.
  const Env env = with(with(sink.env(), k_host_neutral), {{"PORT", std::to_string(test::free_port())}});
  auto r = test::bscbot_at(k_t0, {"--json", "incident", "new", "--severity", "S2", "High error rate on /api/trading"}, s.path(), env);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string id = json::parse(r.out)["id"];
  REQUIRE(sink.mails().size() == 1);  // S2: the primary only
  CHECK(sink.mails()[0]["rcpt_to"][0] == "<oncall@team.com>");
  r = test::bscbot_at(test::shift(k_t0, 15 * 60), {"--json", "notify", "escalate"}, s.path(), env);
  INFO(r.out << r.err);
  CHECK(json::parse(r.out)["escalated"] == json::array({id}));
  const auto mails = sink.mails();
  REQUIRE(mails.size() == 2);
  CHECK(mails[1]["rcpt_to"][0] == "<backup@team.com>");
  CHECK(headers_of(mails[1]["data"]).at("Subject") == "[S2 HIGH] ESCALATED: S2 Incident (High): High error rate on /api/trading (test-host)");

  // A wrong password: the server's 535 ends it at the first attempt.
  r = test::bscbot_at(k_t0, {"--json", "notify", "send", "--severity", "S2", "Disk filling", "--key", "disk"}, s.path(),
                      with(env, {{"NOTIFY_SMTP_PASSWORD", "wrong"}}));
  CHECK(r.exit_code == 1);
  const json doc = json::parse(r.out);
  REQUIRE(doc["deliveries"].size() == 1);
  CHECK(doc["deliveries"][0]["attempts"] == 1);
  CHECK(doc["deliveries"][0]["error"].get<std::string>().find("SMTP: ") == 0);
  CHECK(test::read_text(s / "logs/notifications.jsonl").find("wrong") == std::string::npos);

  // No STARTTLS offered by a server we require it from is refused, not sent in clear.
  const auto plain = test::bscbot_at(k_t0, {"--json", "notify", "send", "--severity", "S2", "Another", "--key", "x"}, s.path(),
                                     with(env, {{"NOTIFY_SMTP_URL", "smtp://127.0.0.1:" + std::to_string(test::free_port())}}));
  CHECK(plain.exit_code == 1);
}

TEST_CASE("notify: mail over SMTPS (TLS from the first byte) with AUTH") {
  Scratch s("notify-smtps");
  deploy(s, k_mail_contacts);
  MailSink sink(s, /*smtps=*/true);
  const Env env = sink.env();
  const auto r = test::bscbot_at(k_t0, {"--json", "notify", "send", "--severity", "S3", "Cache misses increasing"}, s.path(), env);
  INFO(r.out << r.err << sink.sink->output());
  REQUIRE(r.exit_code == 0);
  const auto mails = sink.mails();
  REQUIRE(mails.size() == 1);
  CHECK(mails[0]["tls"] == true);
  CHECK(mails[0]["auth"]["password"] == "s3cret");
  CHECK(mails[0]["rcpt_to"][0] == "<devops@team.com>");  // S3: the team
  CHECK(headers_of(mails[0]["data"]).at("X-Bscbot-Severity") == "medium");
  // A certificate we cannot verify is refused, never ignored.
  const auto untrusted = test::bscbot_at(k_t0, {"--json", "notify", "send", "--severity", "S3", "Again", "--key", "again"}, s.path(),
                                         with(env, {{"NOTIFY_SMTP_CA_FILE", "/etc/ssl/certs/ca-certificates.crt"}}));
  CHECK(untrusted.exit_code == 1);
  CHECK(sink.mails().size() == 1);
}

}  // TEST_SUITE
