#include "core/db/pg_url.hpp"

#include <fmt/format.h>

#include <string_view>

namespace bscbot::core::db {

bool is_pg_url(const std::string& target) { return target.rfind("postgresql://", 0) == 0 || target.rfind("postgres://", 0) == 0; }

namespace {

std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

PgUrl parse_pg_url(const std::string& url) {
  PgUrl u;
  std::string_view rest = url;
  bool uri = false;
  for (std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (rest.starts_with(scheme)) {
      rest.remove_prefix(scheme.size());
      uri = true;
    }
  }
  if (uri) {
    std::string_view query;
    if (const auto q = rest.find('?'); q != std::string_view::npos) {
      query = rest.substr(q + 1);
      rest = rest.substr(0, q);
    }
    if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
      const std::string_view userinfo = rest.substr(0, at);
      const auto colon = userinfo.find(':');
      u.user = unescape(userinfo.substr(0, colon));
      u.has_password = colon != std::string_view::npos && colon + 1 < userinfo.size();
      rest.remove_prefix(at + 1);
    }
    std::string_view hostlist = rest;
    if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
      hostlist = rest.substr(0, slash);
      u.dbname = unescape(rest.substr(slash + 1));
    }
    while (!hostlist.empty()) {
      const auto comma = hostlist.find(',');
      std::string_view h = hostlist.substr(0, comma);
      if (const auto colon = h.rfind(':'); colon != std::string_view::npos && h.find(']') == std::string_view::npos) {
        u.port = std::string(h.substr(colon + 1));
        h = h.substr(0, colon);
      }
      if (!h.empty()) u.hosts.push_back(unescape(h));
      if (comma == std::string_view::npos) break;
      hostlist.remove_prefix(comma + 1);
    }
    while (!query.empty()) {
      const auto amp = query.find('&');
      const std::string_view kv = query.substr(0, amp);
      const auto eq = kv.find('=');
      const std::string key(kv.substr(0, eq)), value = eq == std::string_view::npos ? "" : unescape(kv.substr(eq + 1));
      if (key == "sslmode") u.sslmode = value;
      if (key == "host") u.hosts = {value};
      if (key == "password") u.has_password = true;
      if (key == "user") u.user = value;
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
    return u;
  }
  // key=value pairs, space-separated.
  std::size_t i = 0;
  while (i < url.size()) {
    while (i < url.size() && url[i] == ' ') ++i;
    const auto eq = url.find('=', i);
    if (eq == std::string::npos) break;
    const std::string key = url.substr(i, eq - i);
    auto end = url.find(' ', eq + 1);
    if (end == std::string::npos) end = url.size();
    const std::string value = url.substr(eq + 1, end - eq - 1);
    if (key == "host") u.hosts = {value};
    if (key == "port") u.port = value;
    if (key == "dbname") u.dbname = value;
    if (key == "user") u.user = value;
    if (key == "sslmode") u.sslmode = value;
    if (key == "password") u.has_password = true;
    i = end;
  }
  return u;
}

std::string describe_pg_url(const std::string& url) {
  const PgUrl u = parse_pg_url(url);
  std::string hosts;
  for (const auto& h : u.hosts) hosts += (hosts.empty() ? "" : ",") + h;
  return fmt::format("postgresql://{}{}{}{}/{}", u.user, u.user.empty() ? "" : "@", hosts, u.port.empty() ? "" : ":" + u.port, u.dbname);
}

bool pg_url_is_local(const PgUrl& url) {
  for (const auto& h : url.hosts) {
    if (h != "localhost" && h != "127.0.0.1" && h != "::1" && h != "[::1]" && !h.starts_with("/")) return false;
  }
  return true;
}

}  // namespace bscbot::core::db
