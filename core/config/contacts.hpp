#pragma once
// The manual's contact list (/etc/bsc-bot/contacts.txt: primary and secondary on-call, the
// DevOps team, external vendors) as the `contacts` section of bscbot.yaml. Each contact says
// how to reach it; which contacts an alert goes to is decided by the NOTIFY_ROUTE_* settings.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace YAML {
class Node;
}

namespace bscbot::core::config {

// The roles of the contact list, in the manual's order.
inline constexpr std::string_view k_contact_roles[] = {"primary", "secondary", "team", "vendors"};
bool is_contact_role(std::string_view role);

struct Contact {
  std::string role;                       // primary, secondary, team or vendors
  std::string name;                       // "[Your Name]" in the manual
  std::string phone;                      // shown in messages, never dialled
  std::string hours;                      // "24/7", "business hours"
  std::vector<std::string> email;         // addresses, reached over NOTIFY_SMTP_URL
  std::string telegram;                   // chat id, reached with NOTIFY_TELEGRAM_BOT_TOKEN
  std::optional<std::string> slack;       // "" for the webhook's own channel, or "#bsc-bot-alerts"
  bool discord = false;                   // post to NOTIFY_DISCORD_WEBHOOK_URL
  bool webhook = false;                   // post to NOTIFY_WEBHOOK_URL

  // "primary (Alice)", "vendors (RPC Provider)".
  std::string label() const;
};

struct Contacts {
  std::vector<Contact> entries;           // vendors may hold several
  bool empty() const { return entries.empty(); }
  // Every contact of `role` (several for vendors).
  std::vector<const Contact*> with_role(std::string_view role) const;
};

// Parses the `contacts` node of `file`; throws core::Error(config) naming file:line:column and
// the key for anything it does not understand, so a typo never silently drops a person.
Contacts parse_contacts(const YAML::Node& node, const std::string& file);

}  // namespace bscbot::core::config
