#include "core/config/contacts.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>

#include "core/error.hpp"

namespace bscbot::core::config {

namespace {

std::string at(const std::string& file, const YAML::Node& node) {
  const auto mark = node.Mark();
  return fmt::format("{}:{}:{}", file, mark.line + 1, mark.column + 1);
}

[[noreturn]] void reject(const std::string& file, const YAML::Node& node, const std::string& message) {
  throw Error(ErrorKind::config, fmt::format("{}: {}", at(file, node), message));
}

std::string scalar(const std::string& file, const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) reject(file, node, fmt::format("{} must be a plain value", key));
  std::string v = node.Scalar();
  // A value ends up in mail headers and chat messages: one line, no control characters.
  if (std::any_of(v.begin(), v.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
    reject(file, node, fmt::format("{} must be one line without control characters", key));
  }
  return v;
}

bool flag(const std::string& file, const YAML::Node& node, const std::string& key) {
  const std::string v = scalar(file, node, key);
  if (v == "true" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "no" || v == "off") return false;
  reject(file, node, fmt::format("{} must be true or false, not '{}'", key, v));
}

bool plausible_email(const std::string& a) {
  const auto at_sign = a.find('@');
  return at_sign != std::string::npos && at_sign > 0 && at_sign + 1 < a.size() && a.find('@', at_sign + 1) == std::string::npos &&
         a.find_first_of(" <>,;\"") == std::string::npos;
}

bool plausible_chat_id(const std::string& id) {
  if (id.size() > 1 && id[0] == '@') return true;  // a public channel's @name
  const std::size_t start = !id.empty() && id[0] == '-' ? 1 : 0;
  return id.size() > start && std::all_of(id.begin() + static_cast<std::ptrdiff_t>(start), id.end(),
                                          [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

Contact parse_contact(const YAML::Node& node, const std::string& role, const std::string& file) {
  if (!node.IsMap()) reject(file, node, fmt::format("contacts.{} must be a mapping (name, email, phone, ...)", role));
  Contact c;
  c.role = role;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const std::string where = fmt::format("contacts.{}.{}", role, key);
    const YAML::Node& v = kv.second;
    if (key == "name") {
      c.name = scalar(file, v, where);
    } else if (key == "phone") {
      c.phone = scalar(file, v, where);
    } else if (key == "hours") {
      c.hours = scalar(file, v, where);
    } else if (key == "email") {
      std::vector<YAML::Node> items;
      if (v.IsSequence()) {
        for (const auto& item : v) items.push_back(item);
      } else {
        items.push_back(v);
      }
      for (const auto& item : items) {
        const std::string address = scalar(file, item, where);
        if (!plausible_email(address)) reject(file, item, fmt::format("{} '{}' is not an e-mail address", where, address));
        c.email.push_back(address);
      }
    } else if (key == "telegram") {
      c.telegram = scalar(file, v, where);
      if (!plausible_chat_id(c.telegram)) {
        reject(file, v, fmt::format("{} '{}' must be a Telegram chat id (digits, - for groups) or @channel", where, c.telegram));
      }
    } else if (key == "slack") {
      const std::string s = scalar(file, v, where);
      if (s == "true" || s == "yes" || s == "on") c.slack = "";
      else if (s == "false" || s == "no" || s == "off") c.slack.reset();
      else if (s.size() > 1 && (s[0] == '#' || s[0] == '@')) c.slack = s;
      else reject(file, v, fmt::format("{} must be true, false or a channel such as \"#bsc-bot-alerts\"", where));
    } else if (key == "discord") {
      c.discord = flag(file, v, where);
    } else if (key == "webhook") {
      c.webhook = flag(file, v, where);
    } else {
      reject(file, kv.first, fmt::format("unknown key '{}' in contacts.{}; use name, phone, hours, email, telegram, slack, discord or webhook",
                                         key, role));
    }
  }
  return c;
}

}  // namespace

bool is_contact_role(std::string_view role) {
  return std::find(std::begin(k_contact_roles), std::end(k_contact_roles), role) != std::end(k_contact_roles);
}

std::string Contact::label() const { return name.empty() ? role : fmt::format("{} ({})", role, name); }

std::vector<const Contact*> Contacts::with_role(std::string_view role) const {
  std::vector<const Contact*> out;
  for (const auto& c : entries) {
    if (c.role == role) out.push_back(&c);
  }
  return out;
}

Contacts parse_contacts(const YAML::Node& node, const std::string& file) {
  Contacts contacts;
  if (node.IsNull()) return contacts;
  if (!node.IsMap()) reject(file, node, "contacts must be a mapping of primary, secondary, team and vendors");
  for (const auto& kv : node) {
    const std::string role = kv.first.Scalar();
    if (!is_contact_role(role)) {
      reject(file, kv.first, fmt::format("unknown contact role '{}'; use primary, secondary, team or vendors", role));
    }
    if (kv.second.IsSequence()) {
      for (const auto& item : kv.second) contacts.entries.push_back(parse_contact(item, role, file));
    } else if (!kv.second.IsNull()) {
      contacts.entries.push_back(parse_contact(kv.second, role, file));
    }
  }
  return contacts;
}

}  // namespace bscbot::core::config
