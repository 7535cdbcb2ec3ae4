// Notifications over the HTTP channels, into a loopback sink standing in for Slack, Discord,
// Telegram and a generic webhook: the exact request bodies per channel, routes by severity to
// the manual's contacts, one message per problem per NOTIFY_REPEAT_MIN, escalation to the
// secondary unless acknowledged, retries with backoff, the delivery log, and secrets that
// never show.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "tests/blackbox/notify_fixture.hpp"

using nlohmann::json;
using namespace bscbot;
using namespace bscbot::test::notify;
using bscbot::test::HttpSink;
using bscbot::test::Scratch;

namespace {

const std::string k_t0 = "2026-12-01 10:00:00";

test::RunResult send(const Scratch& s, const Env& env, const std::string& at, std::vector<std::string> args) {
  args.insert(args.begin(), {"--json", "notify", "send"});
  return test::bscbot_at(at, args, s.path(), env);
}

// The text every channel carries for the S1 alert of these tests, as `to` reads it.
std::string s1_text(const std::string& to) {
  return "[S1 CRITICAL] CRITICAL: BSC Trading Bot down (test-host)\n"
         "test-host, 2026-12-01 10:00:00 UTC; to " + to + "\n"
         "\n"
         "CRITICAL: BSC Trading Bot down [S1 CRITICAL, alert-1]\n"
         "Since: 2026-12-01 10:00:00 UTC (just now)\n"
         "Evidence:\n"
         "- curl: (7) Failed to connect to localhost port 10001: Connection refused\n"
         "Source: bscbot notify send\n"
         "Next: bscbot diagnose service\n"
         "Acknowledge (respond within 15 minutes): bscbot incident ack alert-1\n";
}

const std::vector<std::string> k_s1 = {"--severity", "S1", "CRITICAL: BSC Trading Bot down", "--evidence",
                                       "curl: (7) Failed to connect to localhost port 10001: Connection refused", "--next",
                                       "bscbot diagnose service"};

}  // namespace

TEST_SUITE("notify") {

TEST_CASE("notify: an S1 goes to primary and secondary at once, with the exact Slack, Telegram and Discord bodies") {
  Scratch s("notify-bodies");
  deploy(s);
  HttpSink sink;
  const Env env = channels(sink);
  const auto r = send(s, env, k_t0, k_s1);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["id"] == "alert-1");

  // Primary (Alice): Telegram chat 1001 and Slack #oncall; secondary (Bob): Discord. The team
  // (S3/S4/info) hears nothing of an S1.
  const auto telegram = sink.requests_to("/telegram");
  REQUIRE(telegram.size() == 1);
  CHECK(telegram[0].method == "POST");
  CHECK(telegram[0].target == std::string("/telegram/bot") + k_telegram_token + "/sendMessage");
  CHECK(telegram[0].headers.at("content-type") == "application/json");
  const json telegram_body = {{"chat_id", "1001"}, {"disable_web_page_preview", true}, {"text", s1_text("primary (Alice)")}};
  CHECK(json::parse(telegram[0].body) == telegram_body);
  CHECK(telegram[0].body == telegram_body.dump());

  const auto slack = sink.requests_to("/slack");
  REQUIRE(slack.size() == 1);
  CHECK(slack[0].target == k_slack_path);
  const json slack_body = {{"channel", "#oncall"}, {"text", s1_text("primary (Alice)")}};
  CHECK(slack[0].body == slack_body.dump());

  const auto discord = sink.requests_to("/discord");
  REQUIRE(discord.size() == 1);
  CHECK(discord[0].target == k_discord_path);
  const json discord_body = {{"content", s1_text("secondary (Bob)")}, {"username", "bscbot"}};
  CHECK(discord[0].body == discord_body.dump());

  CHECK(sink.requests_to("/hook").empty());

  // Every delivery is on record, and nothing in the record or the status gives a secret away.
  const auto log = delivery_log(s, env);
  REQUIRE(log.size() == 3);
  for (const auto& rec : log) {
    CHECK(rec["outcome"] == "sent");
    CHECK(rec["ids"] == json::array({"alert-1"}));
    CHECK(rec["attempt"] == 1);
  }
  const auto human = test::bscbot({"notify", "log"}, s.path(), env);
  CHECK(human.out.find("telegram 1001") != std::string::npos);
  CHECK(human.out.find("slack #oncall") != std::string::npos);
  for (const auto* secret : {"XXXXSECRET", "DISCORDSECRET", "TELEGRAMSECRET"}) {
    const auto status = test::bscbot({"notify", "status"}, s.path(), env);
    const auto shown = test::bscbot({"config", "show"}, s.path(), env);
    CHECK_MESSAGE(status.out.find(secret) == std::string::npos, status.out);
    CHECK_MESSAGE(shown.out.find(secret) == std::string::npos, shown.out);
    CHECK(test::read_text(s / "logs/notifications.jsonl").find(secret) == std::string::npos);
  }
  const auto shown = json::parse(test::bscbot({"--json", "config", "show"}, s.path(), env).out);
  CHECK(shown["settings"]["NOTIFY_SLACK_WEBHOOK_URL"]["secret"] == true);
  CHECK(shown["settings"]["NOTIFY_SLACK_WEBHOOK_URL"]["value"].get<std::string>().rfind("http://127.0.0.1/****", 0) == 0);
}

TEST_CASE("notify: one message per problem per NOTIFY_REPEAT_MIN, a worse level at once, escalation unless acknowledged") {
  Scratch s("notify-dedup");
  deploy(s);
  HttpSink sink;
  const Env env = channels(sink);
  const std::vector<std::string> high = {"--severity", "S2", "High error rate on /api/trading", "--key", "errors"};
  REQUIRE(send(s, env, k_t0, high).exit_code == 0);
  CHECK(sink.requests().size() == 2);  // primary: Telegram and Slack

  // Again within the hour: held back, and said so.
  auto r = send(s, env, test::shift(k_t0, 300), high);
  CHECK(r.exit_code == 0);
  CHECK(json::parse(r.out)["suppressed"] == true);
  CHECK(sink.requests().size() == 2);

  // Worse (S1) within the window: at once, to the S1 route (primary and secondary).
  std::vector<std::string> worse = high;
  worse[1] = "S1";
  REQUIRE(send(s, env, test::shift(k_t0, 360), worse).exit_code == 0);
  CHECK(sink.requests().size() == 5);
  // The same S1 again: held back.
  REQUIRE(send(s, env, test::shift(k_t0, 420), worse).exit_code == 0);
  CHECK(sink.requests().size() == 5);

  // Not acknowledged 15 minutes after it was first sent: escalated to the secondary (Discord).
  r = test::bscbot_at(test::shift(k_t0, 10 * 60), {"--json", "notify", "escalate"}, s.path(), env);
  CHECK(json::parse(r.out)["escalated"].empty());
  r = test::bscbot_at(test::shift(k_t0, 15 * 60), {"--json", "notify", "escalate"}, s.path(), env);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(json::parse(r.out)["escalated"] == json::array({"alert-1"}));
  const auto discord = sink.requests_to("/discord");
  REQUIRE(discord.size() == 2);
  const std::string escalated = json::parse(discord.back().body)["content"];
  CHECK(escalated.rfind("[S1 CRITICAL] ESCALATED: High error rate on /api/trading (test-host)\n", 0) == 0);
  CHECK(escalated.find("Not acknowledged in time: escalated.") != std::string::npos);
  CHECK(escalated.find("not acknowledged within 15 min (NOTIFY_ESCALATE_AFTER_MIN)") != std::string::npos);
  // Escalated once only.
  REQUIRE(test::bscbot_at(test::shift(k_t0, 20 * 60), {"notify", "escalate"}, s.path(), env).exit_code == 0);
  CHECK(sink.requests_to("/discord").size() == 2);

  // An acknowledged alert is never escalated.
  REQUIRE(send(s, env, test::shift(k_t0, 60), {"--severity", "S2", "Slow queries", "--key", "slow"}).exit_code == 0);
  r = test::bscbot_at(test::shift(k_t0, 120), {"incident", "ack", "alert-2", "--by", "alice"}, s.path(), env);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("alert-2 acknowledged by alice") != std::string::npos);
  const auto before = sink.requests().size();
  REQUIRE(test::bscbot_at(test::shift(k_t0, 30 * 60), {"notify", "escalate"}, s.path(), env).exit_code == 0);
  CHECK(sink.requests().size() == before);
  // Unknown IDs are named as such, with what is firing.
  r = test::bscbot({"incident", "ack", "alert-99"}, s.path(), env);
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("no alert 'alert-99'; firing: ") != std::string::npos);

  // Still firing an hour after the last message: one reminder.
  REQUIRE(send(s, env, test::shift(k_t0, 3600 + 400), high).exit_code == 0);
  const auto telegram = sink.requests_to("/telegram");
  const std::string reminder = json::parse(telegram.back().body)["text"];
  CHECK(reminder.rfind("[S2 HIGH] STILL FIRING: High error rate on /api/trading", 0) == 0);

  // The end of it goes to everyone who heard of it.
  const auto sent_before = sink.requests().size();
  REQUIRE(send(s, env, test::shift(k_t0, 3600 + 500), {"--severity", "S2", "errors back to normal", "--key", "errors", "--resolved"}).exit_code == 0);
  const auto after = sink.requests();
  CHECK(after.size() > sent_before);
  const std::string resolved = json::parse(sink.requests_to("/discord").back().body)["content"];
  CHECK(resolved.rfind("[RESOLVED] RESOLVED: errors back to normal (test-host)", 0) == 0);

  const auto status = json::parse(test::bscbot({"--json", "notify", "status"}, s.path(), env).out);
  bool seen = false;
  for (const auto& a : status["alerts"]) {
    if (a["key"] == "slow") {
      seen = true;
      CHECK(a["acked_by"] == "alice");
      CHECK(a["state"] == "firing");
    }
  }
  CHECK(seen);
}

TEST_CASE("notify: failed deliveries are retried with backoff, every attempt logged; a refusal is not retried") {
  Scratch s("notify-retry");
  deploy(s);
  HttpSink sink;
  const Env env = channels(sink);
  // The team's route (S3): Slack #bsc-bot-alerts and the webhook; the first two answers fail.
  sink.answer_with({500, 503});
  auto r = send(s, env, k_t0, {"--severity", "S3", "Cache misses increasing", "--key", "cache"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(sink.requests().size() == 4);
  const auto log = delivery_log(s, env);
  REQUIRE(log.size() == 4);
  int retrying = 0, sent = 0;
  for (const auto& rec : log) {
    retrying += rec["outcome"] == "retrying";
    sent += rec["outcome"] == "sent";
    CHECK(rec["max_attempts"] == 4);
  }
  CHECK(retrying == 2);
  CHECK(sent == 2);
  // The generic webhook carries the message as fields too.
  const auto items = webhook_items(sink, "cache");
  REQUIRE(!items.empty());
  CHECK(items[0]["severity"] == "medium");
  CHECK(items[0]["kind"] == "alert");
  CHECK(items[0]["since"] == "2026-12-01T10:00:00.000Z");

  // 400 means the message itself is refused: one attempt, exit 1, the reason logged.
  sink.answer_with({400, 400});
  r = send(s, env, test::shift(k_t0, 60), {"--severity", "S3", "Another problem", "--key", "other"});
  CHECK(r.exit_code == 1);
  const auto doc = json::parse(r.out);
  for (const auto& d : doc["deliveries"]) {
    CHECK(d["ok"] == false);
    CHECK(d["attempts"] == 1);
    CHECK(d["error"] == "HTTP 400: sink says no");
  }
  // Undelivered, so the next report of the problem tries again rather than being held back.
  r = send(s, env, test::shift(k_t0, 120), {"--severity", "S3", "Another problem", "--key", "other"});
  CHECK(r.exit_code == 0);
  CHECK(json::parse(r.out)["suppressed"] == false);

  // A dead endpoint: libcurl's error names the URL, the log names the setting instead.
  const Env dead = with(env, {{"NOTIFY_TELEGRAM_API_URL", "http://127.0.0.1:" + std::to_string(test::free_port())},
                              {"NOTIFY_RETRIES", "1"}});
  r = send(s, dead, test::shift(k_t0, 180), {"--severity", "S2", "Disk filling", "--key", "disk"});
  CHECK(r.exit_code == 1);
  const std::string text = test::read_text(s / "logs/notifications.jsonl");
  CHECK(text.find("TELEGRAMSECRET") == std::string::npos);
  CHECK(text.find("<NOTIFY_TELEGRAM_BOT_TOKEN>") != std::string::npos);
}

TEST_CASE("notify: test reaches every contact's destination; bad input is named") {
  Scratch s("notify-test");
  deploy(s);
  HttpSink sink;
  const Env env = channels(sink);
  auto r = test::bscbot({"notify", "test", "--channel", "slack"}, s.path(), env);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  const auto slack = sink.requests_to("/slack");
  REQUIRE(slack.size() == 2);  // primary's #oncall and the team's #bsc-bot-alerts
  std::set<std::string> channels_seen;
  for (const auto& req : slack) {
    const auto body = json::parse(req.body);
    channels_seen.insert(body["channel"].get<std::string>());
    CHECK(body["text"].get<std::string>().find("TEST: bscbot notification test") != std::string::npos);
    CHECK(body["text"].get<std::string>().find("critical alerts go to primary, secondary") != std::string::npos);
  }
  CHECK(channels_seen == std::set<std::string>{"#oncall", "#bsc-bot-alerts"});
  r = test::bscbot({"notify", "test"}, s.path(), env);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("email support@nodereal.io") == std::string::npos);  // vendors are in no route
  CHECK(r.out.find("discord") != std::string::npos);
  CHECK(r.out.find("telegram 1001") != std::string::npos);

  r = test::bscbot({"notify", "test", "--channel", "email"}, s.path(), env);
  CHECK(r.exit_code == 78);
  CHECK(r.err.find("--channel email: NOTIFY_SMTP_URL is not set") != std::string::npos);
  r = test::bscbot({"notify", "send", "--severity", "S9", "x"}, s.path(), env);
  CHECK(r.exit_code == 64);
  CHECK(r.err.find("--severity 'S9' must be S1-S4") != std::string::npos);
  r = test::bscbot({"notify", "status"}, s.path(), with(env, {{"NOTIFY_ROUTE_HIGH", "oncall"}}));
  CHECK(r.exit_code == 78);
  CHECK(r.err.find("NOTIFY_ROUTE_HIGH=oncall (from environment): 'oncall' is not a contact role") != std::string::npos);
  s.write("typo/bscbot.yaml", "contacts:\n  primary:\n    name: Alice\n    emial: a@b.c\n");
  r = test::bscbot({"--config", "typo/bscbot.yaml", "notify", "status"}, s.path(), env);
  CHECK(r.exit_code == 78);
  CHECK(r.err.find("typo/bscbot.yaml:4:5: unknown key 'emial' in contacts.primary") != std::string::npos);
  s.write("typo/bscbot.yaml", "contacts:\n  primary:\n    email: not-an-address\n");
  r = test::bscbot({"--config", "typo/bscbot.yaml", "notify", "status"}, s.path(), env);
  CHECK(r.err.find("contacts.primary.email 'not-an-address' is not an e-mail address") != std::string::npos);
}

}  // TEST_SUITE
