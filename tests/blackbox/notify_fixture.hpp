#pragma once
// What the notification and diagnosis tests share: a deployment with the manual's contact list
// in bscbot.yaml, every channel pointed at a loopback sink, and the delivery log read back.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/deployment.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/http_sink.hpp"
#include "tests/support/scratch.hpp"

namespace bscbot::test::notify {

using Env = std::map<std::string, std::string>;

// Host figures (CPU, memory, disk) depend on the machine: levels no host reaches keep them OK.
inline const Env k_host_neutral = {{"CPU_WARN_PCT", "6000"},         {"CPU_CRIT_PCT", "6000"},        {"HOST_MEMORY_WARN_PCT", "100"},
                                   {"HOST_MEMORY_CRIT_PCT", "100"}, {"DISK_USAGE_WARN_PCT", "100"}, {"DISK_USAGE_CRIT_PCT", "100"},
                                   {"DISK_IO_WARN_PCT", "101"},      {"DISK_IO_CRIT_PCT", "101"}};

inline Env with(Env base, const Env& more) {
  for (const auto& [k, v] : more) base[k] = v;
  return base;
}

// The manual's contact list: primary on Telegram and Slack, secondary on Discord, the team on
// Slack and the generic webhook, a vendor by e-mail.
inline const char* k_contacts_yaml = R"(
contacts:
  primary:
    name: Alice
    phone: "+1 555 0100"
    hours: 24/7
    telegram: "1001"
    slack: "#oncall"
  secondary:
    name: Bob
    hours: business hours
    discord: true
  team:
    slack: "#bsc-bot-alerts"
    webhook: true
  vendors:
    - name: RPC Provider
      email: support@nodereal.io
)";

inline const char* k_slack_path = "/slack/services/T000/B000/XXXXSECRET";
inline const char* k_discord_path = "/discord/api/webhooks/42/DISCORDSECRET";
inline const char* k_telegram_token = "123456:TELEGRAMSECRET";

// Every HTTP channel pointed at `sink`, fast retries, a fixed deployment name.
inline Env channels(const HttpSink& sink) {
  return {{"NOTIFY_SLACK_WEBHOOK_URL", sink.url(k_slack_path)},
          {"NOTIFY_DISCORD_WEBHOOK_URL", sink.url(k_discord_path)},
          {"NOTIFY_WEBHOOK_URL", sink.url("/hook")},
          {"NOTIFY_TELEGRAM_BOT_TOKEN", k_telegram_token},
          {"NOTIFY_TELEGRAM_API_URL", sink.url("/telegram")},
          {"NOTIFY_SOURCE", "test-host"},
          {"NOTIFY_RETRY_BACKOFF_MS", "10"}};
}

// `bscbot init` plus the contact list.
inline void deploy(const Scratch& s, const std::string& contacts = k_contacts_yaml) {
  REQUIRE(init(s.path()).exit_code == 0);
  s.write("bscbot.yaml", read_text(s / "bscbot.yaml") + contacts);
}

// The delivery log, oldest first.
inline std::vector<nlohmann::json> delivery_log(const Scratch& s, const Env& env) {
  const auto r = bscbot({"--json", "notify", "log", "--limit", "1000"}, s.path(), env);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto doc = nlohmann::json::parse(r.out);
  return doc["records"].get<std::vector<nlohmann::json>>();
}

// Requests to the generic webhook whose items include `key`.
inline std::vector<nlohmann::json> webhook_items(const HttpSink& sink, const std::string& key) {
  std::vector<nlohmann::json> out;
  for (const auto& r : sink.requests_to("/hook")) {
    const auto body = nlohmann::json::parse(r.body);
    for (const auto& item : body["items"]) {
      if (item["key"] == key) out.push_back(item);
    }
  }
  return out;
}

}  // namespace bscbot::test::notify
