// The words of a notification, per channel: one pure function of the message each.
#include <doctest/doctest.h>

#include "core/notify/render.hpp"

using namespace bscbot::core;
using namespace bscbot::core::notify;

namespace {

Message message(std::vector<Item> items) {
  return Message{"prod-1", parse_sql_datetime("2026-12-01 10:05:00"), std::move(items), {"primary (Alice)"}};
}

Item item(const std::string& key, Severity s, Kind k = Kind::alert) {
  Event e;
  e.key = key;
  e.severity = s;
  e.what = key + " is wrong";
  e.evidence = {"seen here"};
  e.next = "bscbot diagnose";
  e.source = "unit";
  return Item{e, "alert-7", k, parse_sql_datetime("2026-12-01 10:00:00"), std::nullopt};
}

}  // namespace

TEST_CASE("render: subject and text say what, since when, the evidence, the next command and how to acknowledge") {
  const Message m = message({item("health.disk_data", Severity::critical)});
  CHECK(subject(m) == "[S1 CRITICAL] health.disk_data is wrong (prod-1)");
  CHECK(text(m) ==
        "[S1 CRITICAL] health.disk_data is wrong (prod-1)\n"
        "prod-1, 2026-12-01 10:05:00 UTC; to primary (Alice)\n"
        "\n"
        "health.disk_data is wrong [S1 CRITICAL, alert-7]\n"
        "Since: 2026-12-01 10:00:00 UTC (5m 0s)\n"
        "Evidence:\n"
        "- seen here\n"
        "Source: unit\n"
        "Next: bscbot diagnose\n"
        "Acknowledge (respond within 15 minutes): bscbot incident ack alert-7\n");
  // Several items: counted in the subject, numbered in the text; info is never asked to be acked.
  const Message two = message({item("health.a", Severity::high), item("health.b", Severity::info)});
  CHECK(subject(two) == "[S2 HIGH] 2 alerts: a, b (prod-1)");
  CHECK(text(two).find("\n1/2 health.a is wrong [S2 HIGH, alert-7]\n") != std::string::npos);
  CHECK(text(two).find("\n2/2 health.b is wrong [INFO, alert-7]\n") != std::string::npos);
  CHECK(text(two).find("respond within 24 hours") == std::string::npos);
  Item done = item("x", Severity::critical, Kind::resolved);
  done.resolved_at = parse_sql_datetime("2026-12-01 10:04:00");
  CHECK(subject(message({done})) == "[RESOLVED] RESOLVED: x is wrong (prod-1)");
  CHECK(text(message({done})).find("Since: 2026-12-01 10:00:00 UTC; resolved 2026-12-01 10:04:00 UTC after 4m 0s\n") != std::string::npos);
}

TEST_CASE("render: the Slack, Discord, Telegram and webhook bodies") {
  const Message m = message({item("k", Severity::high)});
  CHECK(slack_body(m, std::nullopt) == nlohmann::json{{"text", text(m)}});
  CHECK(slack_body(m, std::string("#ops")) == nlohmann::json{{"text", text(m)}, {"channel", "#ops"}});
  CHECK(discord_body(m) == nlohmann::json{{"content", text(m)}, {"username", "bscbot"}});
  CHECK(telegram_body(m, "-100") == nlohmann::json{{"chat_id", "-100"}, {"text", text(m)}, {"disable_web_page_preview", true}});
  const auto hook = webhook_body(m);
  CHECK(hook["severity"] == "high");
  CHECK(hook["items"][0]["since"] == "2026-12-01T10:00:00.000Z");
  CHECK(hook["items"][0]["state"] == "firing");
  // Discord takes 2000 characters: longer text is cut on a character boundary, with an ellipsis.
  Item big = item("k", Severity::high);
  big.event.evidence.assign(300, "\xC3\xA9\xC3\xA9\xC3\xA9 evidence");  // é
  const std::string content = discord_body(message({big}))["content"];
  CHECK(content.size() <= 2000);
  CHECK(content.substr(content.size() - 3) == "\xE2\x80\xA6");
  CHECK(truncate_utf8("\xC3\xA9\xC3\xA9\xC3\xA9", 4) == "\xE2\x80\xA6");
  CHECK(truncate_utf8("abc", 3) == "abc");
}

TEST_CASE("render: mail headers, CRLF lines, a UTF-8 subject encoded, no header injection") {
  Item i = item("k", Severity::critical);
  i.event.what = "disk f\xC3\xBCll\r\nBcc: evil@example.com";
  const std::string mail = email_message(message({i}), "bscbot@prod", {"oncall@team.com"}, "1@prod");
  CHECK(mail.rfind("Date: Tue, 01 Dec 2026 10:05:00 +0000\r\nFrom: bscbot@prod\r\nTo: oncall@team.com\r\nSubject: =?UTF-8?B?", 0) == 0);
  CHECK(mail.find("\r\nBcc:") == std::string::npos);
  CHECK(mail.find("X-Bscbot-Severity: critical\r\n") != std::string::npos);
  CHECK(mail.find("X-Bscbot-Alert: alert-7\r\n") != std::string::npos);
  CHECK(mail.find("Message-ID: <1@prod>\r\n") != std::string::npos);
  const std::string body = mail.substr(mail.find("\r\n\r\n") + 4);
  CHECK(body.find("\n") == body.find("\r\n") + 1);
  CHECK(rfc5322_date(parse_sql_datetime("2024-02-29 23:59:59")) == "Thu, 29 Feb 2024 23:59:59 +0000");
}

TEST_CASE("severity: every source's words map onto one scale") {
  CHECK(parse_severity("S1") == Severity::critical);
  CHECK(parse_severity("critical") == Severity::critical);
  CHECK(parse_severity("CRIT") == Severity::critical);
  CHECK(parse_severity("warning") == Severity::high);
  CHECK(parse_severity("s3") == Severity::medium);
  CHECK(parse_severity("S4") == Severity::low);
  CHECK(parse_severity("info") == Severity::info);
  CHECK(!parse_severity("S5"));
  CHECK(more_severe(Severity::critical, Severity::high));
  CHECK(!more_severe(Severity::info, Severity::low));
  CHECK(route_setting(Severity::high) == "NOTIFY_ROUTE_HIGH");
}
