// The manual's contact list in bscbot.yaml.
#include <doctest/doctest.h>

#include "core/config/config.hpp"
#include "core/error.hpp"
#include "tests/support/scratch.hpp"

using namespace bscbot::core;
using bscbot::test::Scratch;

namespace {

std::string error_of(const Scratch& s, const std::string& yaml) {
  s.write("bscbot.yaml", yaml);
  config::LoadOptions o;
  o.config_file = s / "bscbot.yaml";
  o.dotenv_file = "";
  try {
    config::load(o);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("contacts: primary, secondary, team and vendors with their ways; typos stop the load with file:line:column") {
  Scratch s("contacts");
  s.write("bscbot.yaml",
          "port: 10002\n"
          "contacts:\n"
          "  primary: {name: Alice, phone: '+1 555', hours: 24/7, email: a@x.io, telegram: '-1001', slack: true}\n"
          "  secondary:\n    name: Bob\n    email: [b@x.io, b2@x.io]\n    discord: yes\n"
          "  team: {slack: '#bsc-bot-alerts', webhook: true}\n"
          "  vendors:\n    - {name: BSC Support, email: support@binance.org}\n    - {name: RPC Provider, email: support@nodereal.io}\n");
  config::LoadOptions o;
  o.config_file = s / "bscbot.yaml";
  o.dotenv_file = "";
  const auto cfg = config::load(o);
  CHECK(cfg.integer("PORT") == 10002);
  const auto& c = cfg.contacts();
  REQUIRE(c.entries.size() == 5);
  const auto primary = c.with_role("primary");
  REQUIRE(primary.size() == 1);
  CHECK(primary[0]->label() == "primary (Alice)");
  CHECK(primary[0]->telegram == "-1001");
  CHECK(primary[0]->slack == std::optional<std::string>(""));
  CHECK(c.with_role("secondary")[0]->email == std::vector<std::string>{"b@x.io", "b2@x.io"});
  CHECK(c.with_role("secondary")[0]->discord);
  CHECK(c.with_role("team")[0]->slack == std::optional<std::string>("#bsc-bot-alerts"));
  CHECK(c.with_role("vendors").size() == 2);

  CHECK(error_of(s, "contacts:\n  oncall: {name: X}\n").find("bscbot.yaml:2:3: unknown contact role 'oncall'") != std::string::npos);
  CHECK(error_of(s, "contacts:\n  primary: {nmae: X}\n").find("unknown key 'nmae' in contacts.primary") != std::string::npos);
  CHECK(error_of(s, "contacts:\n  primary: {telegram: abc}\n").find("contacts.primary.telegram 'abc' must be a Telegram chat id") != std::string::npos);
  CHECK(error_of(s, "contacts:\n  primary: {slack: general}\n").find("must be true, false or a channel") != std::string::npos);
  CHECK(error_of(s, "contacts:\n  primary: {email: 'a@b.c, d@e.f'}\n").find("is not an e-mail address") != std::string::npos);
  CHECK(error_of(s, "contacts: [a]\n").find("contacts must be a mapping") != std::string::npos);
  CHECK(error_of(s, "contacts:\n  primary: {discord: maybe}\n").find("contacts.primary.discord must be true or false, not 'maybe'") != std::string::npos);
}

TEST_CASE("notification settings: routes name contact roles, secrets are masked, SMTP takes smtp(s) URLs") {
  Scratch s("notify-settings");
  config::LoadOptions o;
  o.dotenv_file = "";
  o.overrides = {{"NOTIFY_SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T0/B0/SECRET"}, {"NOTIFY_SMTP_URL", "smtps://mail.example:465"}};
  const auto cfg = config::load(o);
  const auto shown = config::display_value(*config::find_setting("NOTIFY_SLACK_WEBHOOK_URL"), cfg.text("NOTIFY_SLACK_WEBHOOK_URL"));
  CHECK(shown == "https://hooks.slack.com/**** (45 chars)");
  CHECK(config::display_value(*config::find_setting("NOTIFY_TELEGRAM_BOT_TOKEN"), "123:abc") == "**** (7 chars)");
  CHECK(cfg.list("NOTIFY_ROUTE_CRITICAL") == std::vector<std::string>{"primary", "secondary"});
  o.overrides = {{"NOTIFY_SMTP_URL", "http://mail.example"}};
  CHECK_THROWS_WITH_AS(config::load(o), "NOTIFY_SMTP_URL='http://mail.example' (from command line) is not valid: expected an smtp://host:587 or smtps://host:465 URL", Error);
  o.overrides = {{"NOTIFY_ESCALATE_TO", "secondary,boss"}};
  CHECK_THROWS_WITH_AS(config::load(o), "NOTIFY_ESCALATE_TO=secondary,boss (from command line): 'boss' is not a contact role; use primary, secondary, team or vendors", Error);
}
