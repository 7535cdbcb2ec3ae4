#include "core/audit/secrets.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <set>

namespace bscbot::core::audit {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// A run of exactly 64 hex digits (optionally 0x-prefixed) somewhere in `s`.
bool has_hex64(std::string_view s) {
  std::size_t run = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size() && is_hex(s[i])) {
      ++run;
      continue;
    }
    if (run == 64) return true;
    // "0x" prefix: the 'x' broke the run; a following run of 64 counts on its own.
    run = 0;
  }
  return false;
}

// Key names whose values are secrets.
bool secret_name(const std::string& name) {
  static const char* exact[] = {"JWT_SECRET", "DB_PASSWORD", "TRADING_PRIVATE_KEY", "PRIVATE_KEY", "MNEMONIC",
                                "DATABASE_URL", "SECRET_KEY", "API_SECRET", "PASSWORD"};
  for (const char* e : exact) {
    if (name == e) return true;
  }
  auto ends = [&](std::string_view suffix) {
    return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends("_SECRET") || ends("_PASSWORD") || ends("_PRIVATE_KEY") || ends("_MNEMONIC");
}

}  // namespace

const std::vector<std::string_view>& known_default_secrets() {
  static const std::vector<std::string_view> list = {
      "secret",          "changeme",         "change-me",          "change_me",        "changethis",
      "password",        "passw0rd",         "default",            "test",             "testing",
      "development",     "dev",              "jwt_secret",         "jwt-secret",       "jwtsecret",
      "your-secret-key", "your_secret_key",  "your_jwt_secret",    "your-jwt-secret",  "yoursecretkey",
      "your-256-bit-secret", "your_jwt_secret_key", "your-jwt-secret-key", "mysecret", "my-secret",
      "my_secret",       "mysecretkey",      "supersecret",        "super-secret",     "supersecretkey",
      "secretkey",       "secret_key",       "secret-key",         "s3cr3t",           "keyboard cat",
      "shhhhh",          "shhhhhared-secret", "secret123",         "123456",           "12345678",
      "admin",           "qwerty",           "letmein",            "please-change-me", "replace-me",
      "bsc-trading-bot-secret", "trading-bot-secret",
  };
  return list;
}

bool is_placeholder(std::string_view value) {
  const std::string v = lower(trim(value));
  if (v.empty()) return true;
  for (std::string_view d : known_default_secrets()) {
    if (v == d) return true;
  }
  if (v.front() == '<' || v.front() == '$' || v.front() == '[' || v.front() == '{') return true;  // <secret>, ${X}, [..]
  if (v.find("process.env") != std::string::npos || v.find("os.environ") != std::string::npos) return true;
  static const char* words[] = {"changeme", "change-me", "change_me", "change-this", "change_this", "replace-me",
                                "replace_me", "your-", "your_", "example", "placeholder", "xxxxxxxx", "****"};
  return std::any_of(std::begin(words), std::end(words), [&](const char* w) { return v.find(w) != std::string::npos; });
}

std::size_t distinct_characters(std::string_view value) { return std::set<char>(value.begin(), value.end()).size(); }

std::string PasswordShape::describe() const {
  std::vector<std::string> kinds;
  if (lower) kinds.emplace_back("lower");
  if (upper) kinds.emplace_back("upper");
  if (digit) kinds.emplace_back("digits");
  if (symbol) kinds.emplace_back("symbols");
  return fmt::format("{} characters, {}", length, kinds.empty() ? std::string("no classes") : fmt::format("{}", fmt::join(kinds, "+")));
}

PasswordShape password_shape(std::string_view password) {
  PasswordShape s;
  s.length = password.size();
  for (const char c : password) {
    const auto u = static_cast<unsigned char>(c);
    if (std::islower(u)) s.lower = true;
    else if (std::isupper(u)) s.upper = true;
    else if (std::isdigit(u)) s.digit = true;
    else s.symbol = true;
  }
  return s;
}

std::string url_password(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> h(curl_url(), curl_url_cleanup);
  if (!h || curl_url_set(h.get(), CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) return {};
  char* password = nullptr;
  std::string out;
  if (curl_url_get(h.get(), CURLUPART_PASSWORD, &password, CURLU_URLDECODE) == CURLUE_OK && password) {
    out = password;
    curl_free(password);
  }
  return out;
}

std::vector<SecretHit> find_secrets(std::string_view text) {
  std::vector<SecretHit> hits;
  std::size_t start = 0, number = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    if (line.find("PRIVATE KEY-----") != std::string_view::npos && line.find("-----BEGIN") != std::string_view::npos) {
      hits.push_back({number, "PEM private key"});
      continue;
    }
    // NAME=value, NAME: value, "NAME": "value", export NAME=value
    std::string_view rest = trim(line);
    if (rest.substr(0, 7) == "export ") rest = trim(rest.substr(7));
    if (!rest.empty() && (rest.front() == '"' || rest.front() == '\'')) rest.remove_prefix(1);
    std::size_t name_end = 0;
    while (name_end < rest.size() && (std::isalnum(static_cast<unsigned char>(rest[name_end])) || rest[name_end] == '_')) ++name_end;
    const std::string name = upper(rest.substr(0, name_end));
    std::string_view after = rest.substr(name_end);
    if (!after.empty() && (after.front() == '"' || after.front() == '\'')) after.remove_prefix(1);
    after = trim(after);
    if (!name.empty() && !after.empty() && (after.front() == '=' || after.front() == ':') && secret_name(name)) {
      std::string_view value = trim(after.substr(1));
      // Strip quotes and a trailing comma or comment.
      if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
        const char q = value.front();
        const auto close = value.find(q, 1);
        value = value.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1);
      } else {
        const auto comment = value.find(" #");
        if (comment != std::string_view::npos) value = trim(value.substr(0, comment));
        while (!value.empty() && (value.back() == ',' || value.back() == ';')) value.remove_suffix(1);
      }
      const bool url_without_password = name == "DATABASE_URL" && url_password(std::string(value)).empty();
      if (!is_placeholder(value) && !url_without_password) {
        hits.push_back({number, name + " assignment"});
        continue;
      }
    }
    if (has_hex64(line)) {
      const std::string l = lower(line);
      if (l.find("key") != std::string::npos || l.find("private") != std::string::npos) {
        hits.push_back({number, "64-hex-digit value next to \"key\" (a private key?)"});
      }
    }
  }
  return hits;
}

}  // namespace bscbot::core::audit
