#include "core/config/config.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <memory>

#include "core/config/mask.hpp"
#include "core/chain/address.hpp"
#include "core/error.hpp"

namespace bscbot::core::config {

std::string Source::describe() const {
  switch (kind) {
    case Kind::defaults: return "default";
    case Kind::file:
    case Kind::dotenv: return path;
    case Kind::environment: return "environment";
    case Kind::command_line: return "command line";
  }
  return "?";
}

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> split_list(const std::string& value) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= value.size()) {
    const auto comma = value.find(',', start);
    std::string item = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

struct UrlParts {
  std::string scheme, host, password;
};

std::optional<UrlParts> parse_url(const std::string& text) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> url(curl_url(), curl_url_cleanup);
  if (!url || curl_url_set(url.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return std::nullopt;
  }
  UrlParts parts;
  auto get = [&](CURLUPart part, std::string& out) {
    char* value = nullptr;
    if (curl_url_get(url.get(), part, &value, 0) == CURLUE_OK && value) {
      out = value;
      curl_free(value);
    }
  };
  get(CURLUPART_SCHEME, parts.scheme);
  get(CURLUPART_HOST, parts.host);
  get(CURLUPART_PASSWORD, parts.password);
  if (parts.host.empty()) return std::nullopt;
  return parts;
}

bool url_scheme_allowed(const std::string& name, const std::string& scheme) {
  if (name == "DATABASE_URL") return scheme == "postgres" || scheme == "postgresql";
  if (name == "NOTIFY_SMTP_URL") return scheme == "smtp" || scheme == "smtps";
  return scheme == "http" || scheme == "https" || scheme == "ws" || scheme == "wss";
}

std::string range_text(const Setting& s) {
  if (s.type == Type::integer) return fmt::format("an integer from {} to {}", static_cast<long long>(s.min), static_cast<long long>(s.max));
  return fmt::format("a number from {} to {}", s.min, s.max);
}

}  // namespace

std::string normalise(const Setting& setting, const std::string& raw, const Source& source) {
  std::string value = raw;
  value.erase(0, value.find_first_not_of(" \t"));
  value.erase(value.find_last_not_of(" \t") + 1);
  auto reject = [&](const std::string& expected) -> std::string {
    throw Error(ErrorKind::config,
                fmt::format("{}={} (from {}) is not valid: expected {}", setting.name,
                            setting.secret                                              ? "<secret>"
                            : setting.type == Type::url || setting.type == Type::url_list ? "'" + mask_url(value) + "'"
                                                                                          : "'" + value + "'",
                            source.describe(),
                            expected));
  };
  if (value.empty()) {
    if (setting.type == Type::integer || setting.type == Type::number || setting.type == Type::boolean ||
        setting.type == Type::choice) {
      return reject(setting.type == Type::choice ? fmt::format("one of {}", fmt::join(setting.choices, ", "))
                    : setting.type == Type::boolean ? std::string("true or false")
                                                    : range_text(setting));
    }
    return value;
  }
  switch (setting.type) {
    case Type::integer: {
      long long n = 0;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || ptr != value.data() + value.size() || n < setting.min || n > setting.max) {
        return reject(range_text(setting));
      }
      return std::to_string(n);
    }
    case Type::number: {
      double d = 0;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), d);
      if (ec != std::errc() || ptr != value.data() + value.size() || !std::isfinite(d) || d < setting.min ||
          d > setting.max) {
        return reject(range_text(setting));
      }
      return value;
    }
    case Type::boolean: {
      const std::string v = lower(value);
      if (v == "true" || v == "1" || v == "yes" || v == "on") return "true";
      if (v == "false" || v == "0" || v == "no" || v == "off") return "false";
      return reject("true or false");
    }
    case Type::choice: {
      const std::string v = lower(value);
      if (std::find(setting.choices.begin(), setting.choices.end(), v) == setting.choices.end()) {
        return reject(fmt::format("one of {}", fmt::join(setting.choices, ", ")));
      }
      return v;
    }
    case Type::url: {
      const auto parts = parse_url(value);
      if (!parts || !url_scheme_allowed(std::string(setting.name), parts->scheme)) {
        return reject(setting.name == "DATABASE_URL"      ? "a postgresql://user:pass@host:5432/db URL"
                      : setting.name == "NOTIFY_SMTP_URL" ? "an smtp://host:587 or smtps://host:465 URL"
                                                          : "an http(s):// or ws(s):// URL with a host");
      }
      return value;
    }
    case Type::url_list: {
      for (const std::string& item : split_list(value)) {
        const auto parts = parse_url(item);
        if (!parts || !url_scheme_allowed(std::string(setting.name), parts->scheme)) {
          return reject(fmt::format("comma-separated http(s):// URLs; '{}' is not one", mask_url(item)));
        }
      }
      return value;
    }
    case Type::address: {
      // The engine's rule, so config never accepts an address the engine would refuse.
      if (const auto problem = chain::address_problem(value)) return reject("an address: " + *problem);
      return value;
    }
    case Type::wei: {
      const bool ok = value.size() <= 78 && std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!ok) return reject("a whole number of wei (digits only, at most 78)");
      return value;
    }
    case Type::text:
    case Type::path:
    case Type::list: return value;
  }
  return value;
}

std::string display_value(const Setting& setting, const std::string& value) {
  if (value.empty()) return "";
  if (setting.type == Type::url) {
    // A secret webhook URL carries its secret in the path: only its scheme and host are shown.
    // (DATABASE_URL keeps its database and role names: the one masking rule hides its password.)
    const auto parts = parse_url(value);
    if (setting.secret && parts && parts->scheme.rfind("postgres", 0) != 0) {
      return fmt::format("{}://{}/**** ({} chars)", parts->scheme, parts->host, value.size());
    }
    return mask_url(value);
  }
  if (setting.type == Type::url_list) {
    std::string shown;
    for (const std::string& item : split_list(value)) {
      if (!shown.empty()) shown += ',';
      shown += mask_url(item);
    }
    return shown;
  }
  if (setting.secret) return fmt::format("**** ({} chars)", value.size());
  return value;
}

const Entry& Config::entry(std::string_view name) const {
  const auto it = m_entries.find(name);
  assert(it != m_entries.end() && "unknown setting name");
  if (it == m_entries.end()) throw Error(ErrorKind::internal, fmt::format("unknown setting {}", name));
  return it->second;
}

const std::string& Config::text(std::string_view name) const { return entry(name).value; }

std::int64_t Config::integer(std::string_view name) const {
  assert(find_setting(name)->type == Type::integer);
  return std::stoll(entry(name).value);
}

double Config::number(std::string_view name) const {
  assert(find_setting(name)->type == Type::number || find_setting(name)->type == Type::integer);
  return std::stod(entry(name).value);
}

bool Config::boolean(std::string_view name) const {
  assert(find_setting(name)->type == Type::boolean);
  return entry(name).value == "true";
}

std::vector<std::string> Config::list(std::string_view name) const { return split_list(entry(name).value); }

std::filesystem::path Config::path(std::string_view name) const { return std::filesystem::path(entry(name).value); }

const Source& Config::source(std::string_view name) const { return entry(name).source; }

std::filesystem::path Config::db_path() const {
  if (is_set("DB_PATH")) return path("DB_PATH");
  return path("DATA_DIR") / "trading-bot.sqlite";
}

std::filesystem::path Config::pid_file() const {
  if (is_set("PID_FILE")) return path("PID_FILE");
  return path("DATA_DIR") / "bscbotd.pid";
}

std::vector<std::string> Config::rpc_urls() const {
  std::vector<std::string> urls;
  auto add = [&](const std::string& u) {
    if (!u.empty() && std::find(urls.begin(), urls.end(), u) == urls.end()) urls.push_back(u);
  };
  add(text("BSC_RPC_URL"));
  for (const std::string& u : list("BSC_RPC_URLS")) add(u);
  return urls;
}

void Config::set(std::string_view name, const std::string& value, const Source& source) {
  const Setting* setting = find_setting(name);
  if (!setting) {
    const std::string hint = closest_setting(name);
    throw Error(ErrorKind::config,
                fmt::format("unknown setting {} (from {}){}", name, source.describe(),
                            hint.empty() ? std::string("; `bscbot config show` lists them")
                                         : fmt::format("; did you mean {}?", hint)));
  }
  m_entries[std::string(name)] = Entry{normalise(*setting, value, source), source};
}

void Config::check_consistency() const {
  auto where = [&](std::string_view name) {
    return fmt::format("{}={} (from {})", name, text(name), source(name).describe());
  };
  // Levels where a larger value is worse: warn must sit below crit.
  const std::pair<std::string_view, std::string_view> rising[] = {
      {"RESPONSE_TIME_WARN_MS", "RESPONSE_TIME_CRIT_MS"}, {"DB_QUERY_P95_WARN_MS", "DB_QUERY_P95_CRIT_MS"},
      {"MEMORY_WARN_MB", "MEMORY_CRIT_MB"},               {"CPU_WARN_PCT", "CPU_CRIT_PCT"},
      {"WS_CONNECTIONS_WARN", "WS_CONNECTIONS_CRIT"},     {"ERROR_RATE_WARN_PCT", "ERROR_RATE_CRIT_PCT"},
      {"DISK_USAGE_WARN_PCT", "DISK_USAGE_CRIT_PCT"},     {"LOG_ERRORS_WARN", "LOG_ERRORS_CRIT"},
      {"DB_POOL_MIN", "DB_POOL_MAX"},                     {"DISK_IO_WARN_PCT", "DISK_IO_CRIT_PCT"},
      {"UNAUTHORIZED_WARN", "UNAUTHORIZED_CRIT"},         {"HOST_MEMORY_WARN_PCT", "HOST_MEMORY_CRIT_PCT"},
  };
  for (const auto& [low, high] : rising) {
    if (number(low) > number(high)) {
      throw Error(ErrorKind::config, fmt::format("{} must not exceed {}", where(low), where(high)));
    }
  }
  // Levels where a smaller value is worse: warn must sit above crit.
  const std::pair<std::string_view, std::string_view> falling[] = {
      {"SUCCESS_RATE_WARN_PCT", "SUCCESS_RATE_CRIT_PCT"}, {"CACHE_HIT_RATE_WARN_PCT", "CACHE_HIT_RATE_CRIT_PCT"},
      {"DB_FULL_WARN_DAYS", "DB_FULL_CRIT_DAYS"}};
  for (const auto& [warn, crit] : falling) {
    if (number(warn) < number(crit)) {
      throw Error(ErrorKind::config, fmt::format("{} must not be below {}", where(warn), where(crit)));
    }
  }
  for (const std::string_view route : {"NOTIFY_ROUTE_CRITICAL", "NOTIFY_ROUTE_HIGH", "NOTIFY_ROUTE_MEDIUM", "NOTIFY_ROUTE_LOW",
                                       "NOTIFY_ROUTE_INFO", "NOTIFY_ESCALATE_TO"}) {
    for (const std::string& role : list(route)) {
      if (!is_contact_role(role)) {
        throw Error(ErrorKind::config, fmt::format("{}: '{}' is not a contact role; use primary, secondary, team or vendors", where(route), role));
      }
    }
  }
  if (text("DB_CLIENT") == "pg" && !is_set("DATABASE_URL")) {
    throw Error(ErrorKind::config, fmt::format("{} needs DATABASE_URL to be set", where("DB_CLIENT")));
  }
}

}  // namespace bscbot::core::config
