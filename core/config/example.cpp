#include "core/config/example.hpp"

#include <fmt/format.h>

#include "core/config/settings.hpp"

namespace bscbot::core::config {

std::string example_yaml() {
  std::string out =
      "# bscbot.yaml: settings of bscbotd and bscbot.\n"
      "# Precedence, lowest to highest: built-in defaults, this file, .env, the environment.\n"
      "# Keys are the environment names in lower case. Uncomment a line to change a default.\n"
      "# Secrets (JWT_SECRET, DB_PASSWORD, TRADING_PRIVATE_KEY) belong in .env (mode 600), not here.\n";
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
  return out;
}

}  // namespace bscbot::core::config
