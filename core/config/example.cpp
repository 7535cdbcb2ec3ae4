#include "core/config/example.hpp"

#include <fmt/format.h>

#include "core/config/settings.hpp"

namespace bscbot::core::config {

std::string example_yaml() {
  std::string out =
      "# bscbot.yaml: settings of bscbotd and bscbot.\n"
      "# Precedence, lowest to highest: built-in defaults, this file, .env, the environment.\n"
      "# Keys are the environment names in lower case. Uncomment a line to change a default.\n"
      "# Secrets (JWT_SECRET, DB_PASSWORD, TRADING_PRIVATE_KEY, the NOTIFY_* URLs and tokens) belong in\n"
      "# .env (mode 600), not here.\n";
  std::string_view group;
  for (const Setting& s : all_settings()) {
    if (s.group != group) {
      group = s.group;
      out += fmt::format("\n# --- {} ---\n", group);
    }
    out += fmt::format("# {}\n", s.help);
    if (s.secret) {
      out += fmt::format("# {}: (set in .env)\n", yaml_key(s.name));
      continue;
    }
    const std::string value = s.default_value.empty() ? std::string("\"\"")
                              : s.type == Type::text || s.type == Type::path || s.type == Type::list || s.type == Type::url_list
                                  ? fmt::format("\"{}\"", s.default_value)
                                  : std::string(s.default_value);
    out += fmt::format("# {}: {}\n", yaml_key(s.name), value);
  }
  // The manual's contact list (/etc/bsc-bot/contacts.txt). Routes by severity are the
  // NOTIFY_ROUTE_* settings above; secrets (webhook URLs, tokens, passwords) go in .env.
  out +=
      "\n# --- contacts: who notifications reach (see `bscbot notify status`) ---\n"
      "# contacts:\n"
      "#   primary:                      # S1 and S2 (NOTIFY_ROUTE_CRITICAL, NOTIFY_ROUTE_HIGH)\n"
      "#     name: Alice\n"
      "#     phone: \"+1 555 0100\"\n"
      "#     hours: 24/7\n"
      "#     email: oncall@team.com     # over NOTIFY_SMTP_URL\n"
      "#     telegram: \"123456789\"      # chat id, with NOTIFY_TELEGRAM_BOT_TOKEN\n"
      "#   secondary:                    # S1 at once, and escalations (NOTIFY_ESCALATE_TO)\n"
      "#     name: Bob\n"
      "#     hours: business hours\n"
      "#     email: [backup@team.com]\n"
      "#     discord: true              # NOTIFY_DISCORD_WEBHOOK_URL\n"
      "#   team:                         # S3, S4 and info\n"
      "#     email: devops@team.com\n"
      "#     slack: \"#bsc-bot-alerts\"   # NOTIFY_SLACK_WEBHOOK_URL\n"
      "#     webhook: true              # NOTIFY_WEBHOOK_URL\n"
      "#   vendors:\n"
      "#     - {name: BSC Support, email: support@binance.org}\n"
      "#     - {name: RPC Provider, email: support@nodereal.io}\n";
  return out;
}

}  // namespace bscbot::core::config
