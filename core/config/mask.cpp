#include "core/config/mask.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/config/settings.hpp"

namespace bscbot::core::config {

namespace {

constexpr std::string_view k_mask = "****";

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

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A path segment or bare user info that is an API key rather than a word: node providers put
// 32-64 hex or base62 characters there (".../v1/64a9df08...", ".../v2/Zx81kQ...").
bool looks_like_key(std::string_view s) {
  if (s.size() < 16) return false;
  bool digit = false, letter = false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isdigit(u)) digit = true;
    else if (std::isalpha(u)) letter = true;
    else if (c != '-' && c != '_') return false;
  }
  return digit && letter;
}

// A database URL's path is the database's name and its bare user info a role name, never an
// API key: postgresql://bscbot@host/t1061_1_sec_database_url keeps both.
bool names_a_database(std::string_view scheme) {
  const std::string s = lower(scheme);
  return s == "postgresql" || s == "postgres";
}

// "a=1&token=x" with the secret values masked.
std::string mask_query(std::string_view query) {
  std::string out;
  out.reserve(query.size());
  std::size_t start = 0;
  while (start <= query.size()) {
    auto amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view pair = query.substr(start, amp - start);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && is_secret_name(pair.substr(0, eq))) {
      out.append(pair.substr(0, eq + 1)).append(k_mask);
    } else {
      out.append(pair);
    }
    if (amp == query.size()) break;
    out += '&';
    start = amp + 1;
  }
  return out;
}

// "/v1/KEY/x" with key-like segments masked.
std::string mask_path(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  std::size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view segment = path.substr(start, slash - start);
    out.append(looks_like_key(segment) ? k_mask : segment);
    if (slash == path.size()) break;
    out += '/';
    start = slash + 1;
  }
  return out;
}

bool url_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && c != '"' && c != '\'' && c != '<' && c != '>' && c != '`';
}

bool scheme_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
}

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

}  // namespace

bool is_secret_name(std::string_view name) {
  if (name.empty()) return false;
  // The settings table knows its own names: LOOPBACK_READS_WITHOUT_TOKEN is not a secret,
  // JWT_SECRET is.
  if (const Setting* s = find_setting(upper(name))) return s->secret;
  static constexpr std::array<std::string_view, 24> exact = {
      "password", "passwd", "pwd", "pass", "secret", "token", "access_token", "refresh_token",
      "id_token", "auth_token", "api_key", "apikey", "api-key", "x-api-key", "key", "private_key",
      "privatekey", "authorization", "signature", "sig", "jwt", "client_secret", "credential", "credentials"};
  const std::string n = lower(name);
  if (std::find(exact.begin(), exact.end(), n) != exact.end()) return true;
  for (std::string_view suffix : {"secret", "password", "passwd", "token", "apikey", "api_key", "api-key", "private_key"}) {
    if (ends_with(n, suffix)) return true;
  }
  return false;
}

std::string mask_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return mask_target(url);
  const bool database = names_a_database(url.substr(0, scheme_end));
  const auto key_like = [database](std::string_view s) { return !database && looks_like_key(s); };
  std::string out(url.substr(0, scheme_end + 3));
  std::string_view rest = url.substr(scheme_end + 3);
  const auto fragment = rest.find('#');
  const std::string_view tail = fragment == std::string_view::npos ? std::string_view() : rest.substr(fragment);
  if (fragment != std::string_view::npos) rest = rest.substr(0, fragment);
  const auto qmark = rest.find('?');

  // User info ends at the last '@' before the query. A password may hold ':' and '/', so an '@'
  // counts as the end of user info when a ':' comes before any '/' (or there is no '/').
  const auto at = rest.rfind('@', qmark == std::string_view::npos ? rest.size() : qmark);
  if (at != std::string_view::npos) {
    const std::string_view info = rest.substr(0, at);
    const auto colon = info.find(':');
    const auto slash = info.find('/');
    if (colon != std::string_view::npos && (slash == std::string_view::npos || colon < slash)) {
      out.append(info.substr(0, colon + 1)).append(k_mask).append("@");
      rest = rest.substr(at + 1);
    } else if (slash == std::string_view::npos) {
      out.append(key_like(info) ? k_mask : info).append("@");
      rest = rest.substr(at + 1);
    }
  }
  const auto query_at = rest.find('?');
  const std::string_view before_query = rest.substr(0, query_at);
  const auto path_at = before_query.find('/');
  out.append(before_query.substr(0, path_at));  // host and port
  if (path_at != std::string_view::npos) {
    const std::string_view path = before_query.substr(path_at);
    out.append(database ? std::string(path) : mask_path(path));
  }
  if (query_at != std::string_view::npos) out.append("?").append(mask_query(rest.substr(query_at + 1)));
  out.append(tail);
  return out;
}

std::string mask_target(std::string_view target) {
  const auto qmark = target.find('?');
  if (qmark == std::string_view::npos) return std::string(target);
  return std::string(target.substr(0, qmark + 1)) + mask_query(target.substr(qmark + 1));
}

std::string mask_secrets(std::string_view text) {
  // URLs first: each "scheme://..." token as a whole.
  std::string urls_masked;
  urls_masked.reserve(text.size());
  std::size_t pos = 0;
  while (true) {
    const auto sep = text.find("://", pos);
    if (sep == std::string_view::npos) break;
    std::size_t begin = sep;
    while (begin > pos && scheme_char(text[begin - 1])) --begin;
    std::size_t end = sep + 3;
    while (end < text.size() && url_char(text[end])) ++end;
    // A sentence's full stop or comma right after a URL is not part of it.
    while (end > sep + 3 && std::string_view(".,;:)").find(text[end - 1]) != std::string_view::npos) --end;
    urls_masked.append(text.substr(pos, begin - pos));
    if (begin == sep) {
      urls_masked.append(text.substr(sep, end - sep));
    } else {
      urls_masked.append(mask_url(text.substr(begin, end - begin)));
    }
    pos = end;
  }
  urls_masked.append(text.substr(pos));

  // Then NAME=value pairs and bearer tokens anywhere in the text.
  const std::string_view t = urls_masked;
  std::string out;
  out.reserve(t.size());
  std::size_t copied = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    std::size_t value_start = std::string_view::npos;
    if (t[i] == '=') {
      std::size_t name_start = i;
      while (name_start > 0 && name_char(t[name_start - 1])) --name_start;
      if (name_start < i && is_secret_name(t.substr(name_start, i - name_start))) value_start = i + 1;
    } else if ((t[i] == 'b' || t[i] == 'B') && (i == 0 || !name_char(t[i - 1])) && t.size() - i > 7 &&
               lower(t.substr(i, 7)) == "bearer ") {
      value_start = i + 7;
    }
    if (value_start == std::string_view::npos) continue;
    std::size_t value_end = value_start;
    const bool quoted = value_end < t.size() && (t[value_end] == '\'' || t[value_end] == '"');
    if (quoted) {
      const char q = t[value_end];
      value_end = t.find(q, value_start + 1);
      value_end = value_end == std::string_view::npos ? t.size() : value_end + 1;
    } else {
      while (value_end < t.size() && !std::isspace(static_cast<unsigned char>(t[value_end])) && t[value_end] != '&' &&
             t[value_end] != ',' && t[value_end] != ';' && t[value_end] != '"' && t[value_end] != '\'') {
        ++value_end;
      }
    }
    if (value_end == value_start || t.substr(value_start, value_end - value_start) == k_mask) continue;
    out.append(t.substr(copied, value_start - copied)).append(k_mask);
    copied = value_end;
    i = value_end - 1;
  }
  out.append(t.substr(copied));
  return out;
}

}  // namespace bscbot::core::config
