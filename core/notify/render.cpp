#include "core/notify/render.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace bscbot::core::notify {

std::string_view to_string(Kind k) {
  switch (k) {
    case Kind::alert: return "alert";
    case Kind::reminder: return "reminder";
    case Kind::resolved: return "resolved";
    case Kind::escalation: return "escalation";
    case Kind::test: return "test";
  }
  return "alert";
}

Severity Message::severity() const {
  Severity worst = Severity::info;
  for (const auto& i : items) {
    if (more_severe(i.event.severity, worst)) worst = i.event.severity;
  }
  return worst;
}

namespace {

std::string utc(SystemTime t) { return to_sql_datetime(t) + " UTC"; }

// Every line of a message is one line of its source: a newline in a value cannot fake another
// field (or, in mail, another header).
std::string one_line(std::string v) {
  for (char& c : v) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return v;
}

std::string age(SystemTime from, SystemTime to) {
  const auto d = std::chrono::duration_cast<std::chrono::milliseconds>(to - from);
  if (d.count() < 1000) return "just now";
  return format_duration(std::chrono::duration_cast<std::chrono::seconds>(d));
}

// The short name of an item in a subject: the key's last part ("health.disk_data" -> "disk_data").
std::string short_name(const Item& i) {
  const auto dot = i.event.key.find('.');
  return dot == std::string::npos ? i.event.key : i.event.key.substr(dot + 1);
}

std::string_view prefix(Kind k) {
  switch (k) {
    case Kind::resolved: return "RESOLVED: ";
    case Kind::escalation: return "ESCALATED: ";
    case Kind::reminder: return "STILL FIRING: ";
    case Kind::test: return "TEST: ";
    case Kind::alert: return "";
  }
  return "";
}

bool all_resolved(const Message& m) {
  return !m.items.empty() && std::all_of(m.items.begin(), m.items.end(), [](const Item& i) { return i.kind == Kind::resolved; });
}

std::string header(const Message& m) {
  return all_resolved(m) ? std::string("[RESOLVED]") : fmt::format("[{}]", label(m.severity()));
}

bool ackable(const Item& i) {
  return (i.kind == Kind::alert || i.kind == Kind::reminder || i.kind == Kind::escalation) && escalates(i.event.severity) &&
         !i.event.notice;
}

}  // namespace

std::string subject(const Message& m) {
  if (m.items.size() == 1) {
    const Item& i = m.items.front();
    return fmt::format("{} {}{} ({})", header(m), prefix(i.kind), one_line(i.event.what), m.deployment);
  }
  std::vector<std::string> names;
  for (const auto& i : m.items) names.push_back(short_name(i));
  return fmt::format("{} {} alerts: {} ({})", header(m), m.items.size(), fmt::join(names, ", "), m.deployment);
}

std::string text(const Message& m) {
  std::string out = subject(m) + "\n";
  out += fmt::format("{}, {}", m.deployment, utc(m.at));
  if (!m.to.empty()) out += fmt::format("; to {}", fmt::join(m.to, ", "));
  out += "\n";
  for (std::size_t n = 0; n < m.items.size(); ++n) {
    const Item& i = m.items[n];
    const Event& e = i.event;
    out += "\n";
    if (m.items.size() > 1) out += fmt::format("{}/{} ", n + 1, m.items.size());
    out += fmt::format("{}{} [{}, {}]\n", prefix(i.kind), one_line(e.what), label(e.severity), i.id);
    if (i.kind == Kind::resolved && i.resolved_at) {
      out += fmt::format("Since: {}; resolved {} after {}\n", utc(i.since), utc(*i.resolved_at), age(i.since, *i.resolved_at));
    } else {
      out += fmt::format("Since: {} ({})\n", utc(i.since), age(i.since, m.at));
    }
    if (i.kind == Kind::escalation) out += "Not acknowledged in time: escalated.\n";
    if (!e.evidence.empty()) {
      out += "Evidence:\n";
      for (const auto& line : e.evidence) out += "- " + one_line(line) + "\n";
    }
    if (!e.source.empty()) out += "Source: " + one_line(e.source) + "\n";
    if (!e.next.empty()) out += "Next: " + one_line(e.next) + "\n";
    if (ackable(i)) out += fmt::format("Acknowledge ({}): bscbot incident ack {}\n", response_time(e.severity), i.id);
  }
  return out;
}

nlohmann::json webhook_body(const Message& m) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& i : m.items) {
    items.push_back({{"id", i.id},
                     {"key", i.event.key},
                     {"kind", to_string(i.kind)},
                     {"state", i.event.state == EventState::firing ? "firing" : "resolved"},
                     {"severity", to_string(i.event.severity)},
                     {"what", i.event.what},
                     {"since", to_iso8601(i.since)},
                     {"resolved_at", i.resolved_at ? nlohmann::json(to_iso8601(*i.resolved_at)) : nlohmann::json(nullptr)},
                     {"evidence", i.event.evidence},
                     {"next", i.event.next},
                     {"source", i.event.source}});
  }
  return {{"version", 1},
          {"deployment", m.deployment},
          {"at", to_iso8601(m.at)},
          {"severity", to_string(m.severity())},
          {"subject", subject(m)},
          {"text", text(m)},
          {"to", m.to},
          {"items", items}};
}

std::string truncate_utf8(const std::string& s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  const std::string ellipsis = "\xE2\x80\xA6";  // …
  std::size_t cut = max_bytes >= ellipsis.size() ? max_bytes - ellipsis.size() : 0;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
  return s.substr(0, cut) + ellipsis;
}

nlohmann::json slack_body(const Message& m, const std::optional<std::string>& channel) {
  nlohmann::json body = {{"text", truncate_utf8(text(m), 39000)}};
  if (channel && !channel->empty()) body["channel"] = *channel;
  return body;
}

nlohmann::json discord_body(const Message& m) {
  // Discord counts characters, not bytes; cutting at 2000 bytes always fits.
  return {{"content", truncate_utf8(text(m), 2000)}, {"username", "bscbot"}};
}

nlohmann::json telegram_body(const Message& m, const std::string& chat_id) {
  return {{"chat_id", chat_id}, {"text", truncate_utf8(text(m), 4096)}, {"disable_web_page_preview", true}};
}

std::string rfc5322_date(SystemTime t) {
  const std::tm tm = to_utc_tm(t);
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} +0000", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
}

namespace {

bool ascii(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string base64(const std::string& in) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    out += {table[(v >> 18) & 63], table[(v >> 12) & 63], table[(v >> 6) & 63], table[v & 63]};
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {table[(v >> 18) & 63], table[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {table[(v >> 18) & 63], table[(v >> 12) & 63], table[(v >> 6) & 63], '='};
  }
  return out;
}

// A header value on one line: no CR or LF can smuggle in another header.
std::string header_value(std::string v) {
  std::replace(v.begin(), v.end(), '\r', ' ');
  std::replace(v.begin(), v.end(), '\n', ' ');
  return v;
}

std::string encoded_subject(const std::string& s) {
  const std::string v = header_value(s);
  if (ascii(v)) return v;
  return "=?UTF-8?B?" + base64(v) + "?=";
}

std::string crlf(const std::string& body) {
  std::string out;
  for (const char c : body) {
    if (c == '\n') out += "\r\n";
    else if (c != '\r') out += c;
  }
  return out;
}

}  // namespace

std::string email_message(const Message& m, const std::string& from, const std::vector<std::string>& to, const std::string& message_id) {
  std::vector<std::string> ids;
  for (const auto& i : m.items) ids.push_back(i.id);
  std::string out;
  out += "Date: " + rfc5322_date(m.at) + "\r\n";
  out += "From: " + header_value(from) + "\r\n";
  out += "To: " + header_value(fmt::format("{}", fmt::join(to, ", "))) + "\r\n";
  out += "Subject: " + encoded_subject(subject(m)) + "\r\n";
  out += "Message-ID: <" + header_value(message_id) + ">\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\n";
  out += "Content-Transfer-Encoding: 8bit\r\n";
  out += fmt::format("X-Bscbot-Severity: {}\r\n", all_resolved(m) ? std::string("resolved") : std::string(to_string(m.severity())));
  out += "X-Bscbot-Alert: " + header_value(fmt::format("{}", fmt::join(ids, ", "))) + "\r\n";
  out += "\r\n";
  // A line holding only "." ends the SMTP DATA phase; libcurl dot-stuffs the body for us.
  out += crlf(text(m));
  return out;
}

}  // namespace bscbot::core::notify
