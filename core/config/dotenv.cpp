#include "core/config/dotenv.hpp"

#include <fmt/format.h>

#include <cctype>
#include <sstream>

#include "core/error.hpp"

namespace bscbot::core::config {

namespace {

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

bool valid_key(const std::string& key) {
  if (key.empty() || std::isdigit(static_cast<unsigned char>(key[0]))) return false;
  for (char c : key) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

}  // namespace

std::vector<DotenvLine> parse_dotenv(const std::string& text, const std::string& file_name) {
  std::vector<DotenvLine> out;
  std::istringstream in(text);
  std::string raw;
  int number = 0;
  auto fail = [&](const std::string& why) {
    throw Error(ErrorKind::config, fmt::format("{}:{}: {}", file_name, number, why));
  };
  while (std::getline(in, raw)) {
    ++number;
    std::string line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("export ", 0) == 0) line = trim(line.substr(7));
    const auto eq = line.find('=');
    if (eq == std::string::npos) fail(fmt::format("'{}' is not KEY=value", line));
    const std::string key = trim(line.substr(0, eq));
    if (!valid_key(key)) fail(fmt::format("'{}' is not a valid variable name", key));
    std::string rest = trim(line.substr(eq + 1));
    std::string value;
    if (!rest.empty() && (rest[0] == '"' || rest[0] == '\'')) {
      const char quote = rest[0];
      std::size_t i = 1;
      bool closed = false;
      for (; i < rest.size(); ++i) {
        const char c = rest[i];
        if (c == quote) {
          closed = true;
          break;
        }
        if (quote == '"' && c == '\\' && i + 1 < rest.size()) {
          const char e = rest[++i];
          value += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        } else {
          value += c;
        }
      }
      if (!closed) fail(fmt::format("value of {} has no closing {}", key, quote));
      const std::string tail = trim(rest.substr(i + 1));
      if (!tail.empty() && tail[0] != '#') fail(fmt::format("unexpected text after the quoted value of {}", key));
    } else {
      const auto hash = rest.find(" #");
      value = trim(hash == std::string::npos ? rest : rest.substr(0, hash));
    }
    out.push_back({key, value, number});
  }
  return out;
}

}  // namespace bscbot::core::config
