// bscbotd notifies by itself: it runs the health checks on a timer and reports transitions
// (not only when someone runs `bscbot health`), says when it starts after an unclean stop, and
// takes Alertmanager's webhook on POST /api/v1/alerts with its own token. A failed backup or
// playbook run notifies through the same module, and the next success resolves it.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "core/net/http_client.hpp"
#include "tests/blackbox/notify_fixture.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bscbot;
using namespace bscbot::test::notify;
using bscbot::test::Daemon;
using bscbot::test::HttpSink;
using bscbot::test::Scratch;

namespace {

// Everything routed to the generic webhook, so one sink path sees every level.
const char* k_webhook_contacts = R"(
contacts:
  primary:
    name: Alice
    webhook: true
  secondary:
    name: Bob
    webhook: true
  team:
    webhook: true
)";

core::net::HttpResponse post_alerts(const Daemon& d, const std::string& body, const std::string& token) {
  core::net::HttpRequest r;
  r.method = "POST";
  r.url = d.url("/api/v1/alerts");
  r.body = body;
  r.headers["Content-Type"] = "application/json";
  if (!token.empty()) r.headers["Authorization"] = "Bearer " + token;
  return core::net::perform(r);
}

// An Alertmanager v4 payload of one alert.
json payload(const std::string& status, const std::string& name, const std::string& severity) {
  return {{"version", "4"},
          {"groupKey", "{}:{alertname=\"" + name + "\"}"},
          {"status", status},
          {"receiver", "bscbotd-" + severity},
          {"externalURL", "http://alertmanager.example:9093"},
          {"alerts",
           {{{"status", status},
             {"labels", {{"alertname", name}, {"severity", severity}, {"instance", "10.0.0.5:10001"}, {"job", "bscbotd"}}},
             {"annotations", {{"summary", "bscbotd on 10.0.0.5:10001 does not answer /api/metrics"}, {"action", "bscbot daemon restart"}}},
             {"startsAt", "2026-12-01T09:59:30.123456789Z"},
             {"endsAt", "0001-01-01T00:00:00Z"},
             {"generatorURL", "http://prometheus.example:9090/graph"},
             {"fingerprint", "abc123"}}}}};
}

}  // namespace

TEST_SUITE("notify") {

TEST_CASE("notify: bscbotd evaluates the health checks on a timer and notifies a transition once, then its recovery") {
  Scratch s("notify-daemon-health");
  deploy(s, k_webhook_contacts);
  HttpSink sink;
  // memory_daemon can only be WARN with a 1 MB warning level: a real transition, OK -> WARN.
  const Env base = with(with(channels(sink), k_host_neutral), {{"NOTIFY_HEALTH_INTERVAL_S", "1"}, {"LOG_ERRORS_WARN", "1000"}, {"LOG_ERRORS_CRIT", "1000"}});
  {
    Daemon d(s.path(), with(base, {{"MEMORY_WARN_MB", "1"}, {"MEMORY_CRIT_MB", "100000"}}));
    d.start();
    REQUIRE_MESSAGE(test::eventually([&] { return !webhook_items(sink, "health.memory_daemon").empty(); }, std::chrono::seconds(20)), d.output());
    const auto item = webhook_items(sink, "health.memory_daemon").front();
    CHECK(item["severity"] == "high");
    CHECK(item["kind"] == "alert");
    CHECK(item["what"].get<std::string>().rfind("memory_daemon WARN: ", 0) == 0);
    CHECK(item["next"] == "bscbot diagnose memory");
    CHECK(item["source"] == "bscbotd health checks");
    CHECK(item["evidence"][0] == "threshold: warn >= 1 MB, crit > 100000 MB");
    // Evaluated every second, sent once: the next turns are held back (NOTIFY_REPEAT_MIN).
    std::this_thread::sleep_for(std::chrono::seconds(3));
    CHECK(webhook_items(sink, "health.memory_daemon").size() == 1);
    CHECK(test::read_text(s / "logs/api-server.log").find("Notification sent to webhook (alert-1): primary (Alice)") != std::string::npos);
    const auto status = json::parse(test::bscbot({"--json", "notify", "status"}, s.path(), base).out);
    bool firing = false;
    for (const auto& a : status["alerts"]) {
      if (a["key"] == "health.memory_daemon") {
        firing = a["state"] == "firing";
        CHECK(a["suppressed"].get<int>() >= 1);
      }
    }
    CHECK(firing);
  }
  // Restarted with the manual's levels: the first evaluation finds it OK and says so.
  Daemon d(s.path(), base);
  d.start();
  REQUIRE_MESSAGE(test::eventually([&] { return webhook_items(sink, "health.memory_daemon").size() == 2; }, std::chrono::seconds(20)), d.output());
  const auto resolved = webhook_items(sink, "health.memory_daemon").back();
  CHECK(resolved["kind"] == "resolved");
  CHECK(resolved["what"].get<std::string>().rfind("memory_daemon is OK again: ", 0) == 0);
}

TEST_CASE("notify: the chain going down and the success rate under its critical level reach primary and secondary in one message") {
  Scratch s("notify-daemon-chain");
  deploy(s, k_webhook_contacts);
  {
    for (int i = 0; i < 10; ++i) {
      test::sql(s.path(), fmt::format("INSERT INTO trades (wallet_address, token_in, token_out, amount_in, status, error) VALUES "
                          "('0x1111111111111111111111111111111111111111', 'a', 'b', '1', '{}', {})",
                          i < 4 ? "completed" : "failed", i < 4 ? "NULL" : "'slippage: output below amountOutMin'"));
    }
  }
  HttpSink sink;
  // The only RPC endpoint refuses connections: the chain is down for bscbotd.
  const Env env = with(with(channels(sink), k_host_neutral),
                       {{"NOTIFY_HEALTH_INTERVAL_S", "1"}, {"CHAIN_ENABLED", "true"}, {"BSC_RPC_URL", "http://127.0.0.1:" + std::to_string(test::free_port())},
                        {"LOG_ERRORS_WARN", "1000"}, {"LOG_ERRORS_CRIT", "1000"}});
  Daemon d(s.path(), env);
  d.start();
  REQUIRE_MESSAGE(test::eventually([&] { return !webhook_items(sink, "health.chain").empty() && !webhook_items(sink, "health.success_rate").empty(); },
                                   std::chrono::seconds(30)),
                  test::read_text(s / "logs/api-server.log"));
  const auto chain = webhook_items(sink, "health.chain").front();
  CHECK(chain["severity"] == "critical");
  CHECK(chain["what"] == "chain CRIT: unavailable");
  CHECK(chain["next"] == "bscbot diagnose websocket");
  const auto rate = webhook_items(sink, "health.success_rate").front();
  CHECK(rate["severity"] == "critical");
  CHECK(rate["what"].get<std::string>().rfind("success_rate CRIT: 40", 0) == 0);
  CHECK(rate["next"] == "bscbot diagnose trades");
  // Found by one evaluation, sent as one message.
  bool together = false;
  for (const auto& r : sink.requests_to("/hook")) {
    const auto body = json::parse(r.body);
    std::set<std::string> keys;
    for (const auto& i : body["items"]) keys.insert(i["key"].get<std::string>());
    if (keys.count("health.chain") && keys.count("health.success_rate")) {
      together = true;
      CHECK(body["subject"].get<std::string>().rfind("[S1 CRITICAL] ", 0) == 0);
    }
  }
  CHECK(together);
}

TEST_CASE("notify: bscbotd starting after an unclean stop says so once, with the stale pid and the previous run's last line") {
  Scratch s("notify-unclean");
  deploy(s, k_webhook_contacts);
  HttpSink sink;
  const Env env = channels(sink);
  Daemon first(s.path(), env);
  first.start();
  const pid_t old_pid = first.pid();
  // What a crashed daemon had flushed is all that survives it (the log is flushed every second).
  REQUIRE(test::eventually([&] { return test::read_text(s / "logs/api-server.log").find("Listening on") != std::string::npos; }));
  first.kill_now();
  CHECK(fs::exists(s / "data/bscbotd.pid"));
  Daemon second(s.path(), env);
  second.start();
  REQUIRE_MESSAGE(test::eventually([&] { return !webhook_items(sink, "daemon.unclean_stop").empty(); }), second.output());
  const auto item = webhook_items(sink, "daemon.unclean_stop").front();
  CHECK(item["severity"] == "high");
  CHECK(item["what"] == fmt::format("bscbotd restarted after an unclean stop (pid {} ended without shutting down)", old_pid));
  CHECK(item["evidence"][0].get<std::string>().find(fmt::format("still named pid {}", old_pid)) != std::string::npos);
  CHECK(item["evidence"][1].get<std::string>().rfind("last log line before: ", 0) == 0);
  CHECK(item["evidence"].back() == "0 pending trade(s) to reconcile from their receipts");
  // A notice is said once: nothing to acknowledge, nothing firing afterwards.
  const std::string text = json::parse(sink.requests_to("/hook").front().body)["text"];
  CHECK(text.find("Acknowledge") == std::string::npos);
  CHECK(second.stop() == 0);
  Daemon third(s.path(), env);
  third.start();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK(webhook_items(sink, "daemon.unclean_stop").size() == 1);  // a clean stop before: no notice
}

TEST_CASE("notify: POST /api/v1/alerts takes Alertmanager's payload with its own token and routes it like every alert") {
  Scratch s("notify-alerts-route");
  deploy(s, k_webhook_contacts);
  HttpSink sink;
  {
    Daemon closed(s.path(), channels(sink));
    closed.start();
    const auto r = post_alerts(closed, payload("firing", "ServiceDown", "critical").dump(), "anything");
    CHECK(r.status == 403);
    CHECK(json::parse(r.body)["error"] == "NOTIFY_ALERTS_TOKEN is not set: this bscbotd takes no alerts");
  }
  const std::string token = "am-token-0123456789";
  Daemon d(s.path(), with(channels(sink), {{"NOTIFY_ALERTS_TOKEN", token}}));
  d.start();
  CHECK(post_alerts(d, payload("firing", "ServiceDown", "critical").dump(), "").status == 401);
  CHECK(post_alerts(d, payload("firing", "ServiceDown", "critical").dump(), "wrong").status == 401);
  auto r = post_alerts(d, "{not json", token);
  CHECK(r.status == 400);
  r = post_alerts(d, R"({"alerts": [{"status": "firing", "labels": {}}]})", token);
  CHECK(r.status == 400);
  CHECK(json::parse(r.body)["error"] == "an alert in the payload has no alertname label");
  CHECK(sink.requests().empty());

  r = post_alerts(d, payload("firing", "ServiceDown", "critical").dump(), token);
  CHECK(r.status == 200);
  CHECK(json::parse(r.body) == json({{"status", "accepted"}, {"alerts", 1}}));
  const std::string key = "prometheus.ServiceDown.10.0.0.5:10001";
  REQUIRE_MESSAGE(test::eventually([&] { return !webhook_items(sink, key).empty(); }), d.output());
  auto item = webhook_items(sink, key).front();
  CHECK(item["severity"] == "critical");
  CHECK(item["what"] == "ServiceDown: bscbotd on 10.0.0.5:10001 does not answer /api/metrics");
  CHECK(item["since"] == "2026-12-01T09:59:30.123Z");
  CHECK(item["next"] == "bscbot daemon restart");
  CHECK(item["source"] == "Prometheus via Alertmanager (receiver bscbotd-critical)");
  // The generic webhook reaches primary and secondary alike: one message to the one destination.
  const auto body = json::parse(sink.requests_to("/hook").front().body);
  CHECK(body["to"] == json::array({"primary (Alice)", "secondary (Bob)"}));
  // Alertmanager repeats; bscbotd's deduplication holds the repeat back.
  REQUIRE(post_alerts(d, payload("firing", "ServiceDown", "critical").dump(), token).status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(webhook_items(sink, key).size() == 1);
  REQUIRE(post_alerts(d, payload("resolved", "ServiceDown", "critical").dump(), token).status == 200);
  REQUIRE(test::eventually([&] { return webhook_items(sink, key).size() == 2; }));
  CHECK(webhook_items(sink, key).back()["kind"] == "resolved");
  CHECK(test::eventually([&] { return delivery_log(s, channels(sink)).size() == 2; }));
}

TEST_CASE("notify: a failed backup and a failed playbook run notify; the next success resolves the backup alert") {
  Scratch s("notify-commands");
  deploy(s, k_webhook_contacts);
  HttpSink sink;
  const Env env = channels(sink);
  // BACKUP_DIR is a file: the backup cannot be written.
  s.write("not-a-folder", "x");
  auto r = test::bscbot({"backup"}, s.path(), with(env, {{"BACKUP_DIR", "not-a-folder"}}));
  CHECK(r.exit_code != 0);
  REQUIRE(webhook_items(sink, "command.backup").size() == 1);
  auto item = webhook_items(sink, "command.backup").front();
  CHECK(item["severity"] == "high");
  CHECK(item["what"].get<std::string>().rfind("bscbot backup failed: ", 0) == 0);
  CHECK(item["evidence"][0].get<std::string>().rfind(fmt::format("exit code {}: ", r.exit_code), 0) == 0);
  CHECK(item["next"].get<std::string>().find("bscbot backup list") != std::string::npos);
  r = test::bscbot({"-q", "backup"}, s.path(), env);
  CHECK(r.exit_code == 0);
  REQUIRE(webhook_items(sink, "command.backup").size() == 2);
  CHECK(webhook_items(sink, "command.backup").back()["kind"] == "resolved");
  CHECK(webhook_items(sink, "command.backup").back()["what"] == "bscbot backup succeeded again");

  // A damaged backup fails its verify.
  s.write("backups/broken.sqlite", "SQLite format 3 but not really");
  r = test::bscbot({"backup", "verify", "backups/broken.sqlite"}, s.path(), env);
  CHECK(r.exit_code == 1);
  REQUIRE(webhook_items(sink, "command.backup_verify").size() == 1);
  CHECK(webhook_items(sink, "command.backup_verify").front()["what"].get<std::string>().find("backups/broken.sqlite is NOT usable") !=
        std::string::npos);

  // A checklist with a failing step.
  s.write("pb/nightly.yaml",
          "title: Nightly\nkind: checklist\nsteps:\n  - id: broken\n    title: A check that fails\n    run: backup verify backups/no-such-backup.sqlite\n");
  r = test::bscbot({"playbook", "run", "nightly", "--dir", "pb"}, s.path(), env);
  CHECK(r.exit_code == 1);
  REQUIRE(webhook_items(sink, "playbook.nightly").size() == 1);
  item = webhook_items(sink, "playbook.nightly").front();
  CHECK(item["severity"] == "medium");
  CHECK(item["what"] == "bscbot playbook run nightly failed: 1 step(s) failed: broken");

  // The pre-production checklist failing (authentication switched off) and a drill without a backup.
  r = test::bscbot({"audit", "--production"}, s.path(), with(env, {{"DISABLE_AUTH", "true"}}));
  CHECK(r.exit_code == 2);
  REQUIRE(webhook_items(sink, "command.audit_production").size() == 1);
  item = webhook_items(sink, "command.audit_production").front();
  CHECK(item["severity"] == "high");
  CHECK(item["what"].get<std::string>().rfind("bscbot audit --production failed: ", 0) == 0);
  CHECK(item["what"].get<std::string>().find("DISABLE_AUTH") != std::string::npos);
  CHECK(test::bscbot({"audit"}, s.path(), with(env, {{"DISABLE_AUTH", "true"}})).exit_code != 0);  // not production: no message
  CHECK(webhook_items(sink, "command.audit_production").size() == 1);
  fs::remove_all(s / "backups");
  r = test::bscbot({"drill"}, s.path(), with(env, {{"BACKUP_DIR", "no-backups"}}));
  CHECK(r.exit_code != 0);
  REQUIRE(webhook_items(sink, "command.drill").size() == 1);
  CHECK(webhook_items(sink, "command.drill").front()["what"].get<std::string>().rfind("bscbot drill failed: ", 0) == 0);

  // Nothing configured, nothing said: a fresh deployment's failing commands stay as quiet as before.
  Scratch bare("notify-commands-bare");
  REQUIRE(test::bscbot({"init", "-q"}, bare.path()).exit_code == 0);
  bare.write("not-a-folder", "x");
  r = test::bscbot({"backup"}, bare.path(), {{"BACKUP_DIR", "not-a-folder"}});
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("notification") == std::string::npos);
}

}  // TEST_SUITE
