#include "core/notify/channels.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstring>
#include <memory>

#include "core/error.hpp"
#include "core/net/curl_handle.hpp"
#include "core/net/http_client.hpp"
#include "core/notify/render.hpp"

namespace bscbot::core::notify {

std::string_view to_string(Channel c) {
  switch (c) {
    case Channel::webhook: return "webhook";
    case Channel::slack: return "slack";
    case Channel::discord: return "discord";
    case Channel::telegram: return "telegram";
    case Channel::email: return "email";
  }
  return "webhook";
}

std::optional<Channel> parse_channel(std::string_view text) {
  for (const Channel c : k_channels) {
    if (to_string(c) == text) return c;
  }
  if (text == "mail" || text == "smtp") return Channel::email;
  return std::nullopt;
}

std::string channel_problem(const config::Config& cfg, Channel c) {
  switch (c) {
    case Channel::webhook: return cfg.is_set("NOTIFY_WEBHOOK_URL") ? "" : "NOTIFY_WEBHOOK_URL is not set";
    case Channel::slack: return cfg.is_set("NOTIFY_SLACK_WEBHOOK_URL") ? "" : "NOTIFY_SLACK_WEBHOOK_URL is not set";
    case Channel::discord: return cfg.is_set("NOTIFY_DISCORD_WEBHOOK_URL") ? "" : "NOTIFY_DISCORD_WEBHOOK_URL is not set";
    case Channel::telegram: return cfg.is_set("NOTIFY_TELEGRAM_BOT_TOKEN") ? "" : "NOTIFY_TELEGRAM_BOT_TOKEN is not set";
    case Channel::email: return cfg.is_set("NOTIFY_SMTP_URL") ? "" : "NOTIFY_SMTP_URL is not set";
  }
  return "";
}

bool channel_configured(const config::Config& cfg, Channel c) { return channel_problem(cfg, c).empty(); }

bool any_channel_configured(const config::Config& cfg) {
  return std::any_of(std::begin(k_channels), std::end(k_channels), [&](Channel c) { return channel_configured(cfg, c); });
}

std::string Destination::describe() const {
  return address.empty() ? std::string(to_string(channel)) : fmt::format("{} {}", to_string(channel), address);
}

Routing route(const config::Config& cfg, const std::vector<std::string>& roles) {
  Routing r;
  auto add = [&](Channel channel, const std::string& address, const std::string& contact) {
    if (const std::string problem = channel_problem(cfg, channel); !problem.empty()) {
      r.problems.push_back(fmt::format("{} of {} not used: {}", Destination{channel, address, {}}.describe(), contact, problem));
      return;
    }
    Destination d{channel, address, {contact}};
    const auto same = std::find(r.destinations.begin(), r.destinations.end(), d);
    if (same == r.destinations.end()) r.destinations.push_back(std::move(d));
    else if (std::find(same->contacts.begin(), same->contacts.end(), contact) == same->contacts.end()) same->contacts.push_back(contact);
  };
  const config::Contacts& contacts = cfg.contacts();
  if (contacts.empty()) {
    for (const Channel c : {Channel::webhook, Channel::slack, Channel::discord}) {
      if (channel_configured(cfg, c)) add(c, "", "everyone (no contacts in bscbot.yaml)");
    }
    if (r.destinations.empty()) r.problems.push_back("no contacts in bscbot.yaml and no webhook, Slack or Discord URL set");
    return r;
  }
  for (const std::string& role : roles) {
    const auto people = contacts.with_role(role);
    if (people.empty()) r.problems.push_back(fmt::format("no contact '{}' in bscbot.yaml", role));
    for (const config::Contact* c : people) {
      const std::string who = c->label();
      const std::size_t before = r.destinations.size() + r.problems.size();
      for (const auto& address : c->email) add(Channel::email, address, who);
      if (!c->telegram.empty()) add(Channel::telegram, c->telegram, who);
      if (c->slack) add(Channel::slack, *c->slack, who);
      if (c->discord) add(Channel::discord, "", who);
      if (c->webhook) add(Channel::webhook, "", who);
      if (r.destinations.size() + r.problems.size() == before &&
          std::none_of(r.destinations.begin(), r.destinations.end(), [&](const Destination& d) {
            return std::find(d.contacts.begin(), d.contacts.end(), who) != d.contacts.end();
          })) {
        r.problems.push_back(fmt::format("{} has no way to be reached (email, telegram, slack, discord or webhook)", who));
      }
    }
  }
  return r;
}

std::string telegram_url(const std::string& api_base, const std::string& token) {
  std::string base = api_base;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return fmt::format("{}/bot{}/sendMessage", base, token);
}

namespace {

// A message never repeats a secret: the URL (webhook path, bot token) is replaced by the
// destination's name wherever libcurl's error text quotes it.
std::string redact(std::string text, const std::string& secret, std::string_view shown) {
  if (secret.empty()) return text;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + shown.size())) text.replace(at, secret.size(), shown);
  return text;
}

bool retryable_status(long status) { return status == 408 || status == 429 || status >= 500; }

std::optional<std::chrono::milliseconds> parse_retry_after(const std::map<std::string, std::string>& headers, const std::string& body) {
  if (const auto it = headers.find("retry-after"); it != headers.end()) {
    long seconds = 0;
    const auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), seconds);
    if (ec == std::errc() && seconds >= 0) return std::chrono::seconds(seconds);
  }
  // Telegram and Discord put it in the body: {"parameters":{"retry_after":3}}, {"retry_after":1.5}.
  try {
    const auto j = nlohmann::json::parse(body);
    const nlohmann::json* v = nullptr;
    if (j.contains("retry_after")) v = &j["retry_after"];
    else if (j.contains("parameters") && j["parameters"].contains("retry_after")) v = &j["parameters"]["retry_after"];
    if (v && v->is_number()) return std::chrono::milliseconds(static_cast<long long>(v->get<double>() * 1000));
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

std::string body_excerpt(const std::string& body) {
  try {
    const auto j = nlohmann::json::parse(body);
    if (j.is_object()) {
      for (const char* k : {"description", "message", "error"}) {
        if (j.contains(k) && j[k].is_string()) return j[k].get<std::string>();
      }
    }
  } catch (const std::exception&) {
  }
  return truncate_utf8(body, 200);
}

}  // namespace

Attempt CurlSender::post_json(const std::string& url, const std::string& body) const {
  Attempt a;
  net::HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.body = body;
  request.headers["Content-Type"] = "application/json";
  request.headers["User-Agent"] = "bscbot";
  request.timeout = std::chrono::milliseconds(m_cfg.integer("NOTIFY_TIMEOUT_MS"));
  try {
    const net::HttpResponse r = net::perform(request);
    a.status = r.status;
    a.took = std::chrono::duration_cast<std::chrono::milliseconds>(r.elapsed);
    a.ok = r.status >= 200 && r.status < 300;
    if (!a.ok) {
      a.error = fmt::format("HTTP {}: {}", r.status, body_excerpt(r.body));
      a.permanent = !retryable_status(r.status);
      if (r.status == 429) a.retry_after = parse_retry_after(r.headers, r.body);
    }
  } catch (const Error& e) {
    a.error = e.what();
  }
  return a;
}

namespace {

struct Upload {
  const std::string* data;
  std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* u = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, u->data->size() - u->offset);
  std::memcpy(buffer, u->data->data() + u->offset, n);
  u->offset += n;
  return n;
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) == 0 && buf[0]) return buf;
  return "localhost";
}

std::string bracketed(const std::string& address) { return "<" + address + ">"; }

}  // namespace

Attempt CurlSender::send_mail(const Destination& to, const Message& message) const {
  Attempt a;
  static std::atomic<unsigned> sequence{0};
  const std::string from = m_cfg.text("NOTIFY_SMTP_FROM");
  const std::string id = fmt::format("{}.{}.{}@{}", std::chrono::duration_cast<std::chrono::microseconds>(message.at.time_since_epoch()).count(),
                                     ::getpid(), sequence++, host_name());
  const std::string mail = email_message(message, from, {to.address}, id);
  net::CurlHandle curl = net::new_curl_handle(net::k_mail_protocols);
  if (!curl) {
    a.error = "curl_easy_init failed";
    return a;
  }
  CURL* h = curl.get();
  curl_slist* rcpt = curl_slist_append(nullptr, bracketed(to.address).c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpt_guard(rcpt, curl_slist_free_all);
  Upload upload{&mail};
  const std::string url = m_cfg.text("NOTIFY_SMTP_URL");
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, bracketed(from).c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(h, CURLOPT_READDATA, &upload);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  const auto timeout = m_cfg.integer("NOTIFY_TIMEOUT_MS");
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<std::int64_t>(timeout, 5000)));
  const std::string& tls = m_cfg.text("NOTIFY_SMTP_TLS");
  if (url.rfind("smtp://", 0) == 0) {
    curl_easy_setopt(h, CURLOPT_USE_SSL, tls == "starttls" ? CURLUSESSL_ALL : tls == "try" ? CURLUSESSL_TRY : CURLUSESSL_NONE);
  }
  const std::string ca = m_cfg.text("NOTIFY_SMTP_CA_FILE");
  if (!ca.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, ca.c_str());
  const std::string& user = m_cfg.text("NOTIFY_SMTP_USER");
  const std::string& password = m_cfg.text("NOTIFY_SMTP_PASSWORD");
  if (!user.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, user.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, password.c_str());
  }
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  const auto started = std::chrono::steady_clock::now();
  const CURLcode rc = curl_easy_perform(h);
  a.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  a.status = code;
  a.ok = rc == CURLE_OK;
  if (!a.ok) {
    a.error = fmt::format("SMTP: {}{}", error[0] ? error : curl_easy_strerror(rc),
                          code ? fmt::format(" (server replied {})", code) : std::string());
    // A refused login or recipient does not get better by asking again.
    a.permanent = rc == CURLE_LOGIN_DENIED || rc == CURLE_USE_SSL_FAILED || (code >= 500 && code < 600);
  }
  return a;
}

Attempt CurlSender::send(const Destination& to, const Message& message) {
  switch (to.channel) {
    case Channel::webhook: {
      const std::string& url = m_cfg.text("NOTIFY_WEBHOOK_URL");
      Attempt a = post_json(url, webhook_body(message).dump());
      a.error = redact(a.error, url, "<NOTIFY_WEBHOOK_URL>");
      return a;
    }
    case Channel::slack: {
      const std::string& url = m_cfg.text("NOTIFY_SLACK_WEBHOOK_URL");
      Attempt a = post_json(url, slack_body(message, to.address.empty() ? std::nullopt : std::optional<std::string>(to.address)).dump());
      a.error = redact(a.error, url, "<NOTIFY_SLACK_WEBHOOK_URL>");
      return a;
    }
    case Channel::discord: {
      const std::string& url = m_cfg.text("NOTIFY_DISCORD_WEBHOOK_URL");
      Attempt a = post_json(url, discord_body(message).dump());
      a.error = redact(a.error, url, "<NOTIFY_DISCORD_WEBHOOK_URL>");
      return a;
    }
    case Channel::telegram: {
      const std::string& token = m_cfg.text("NOTIFY_TELEGRAM_BOT_TOKEN");
      Attempt a = post_json(telegram_url(m_cfg.text("NOTIFY_TELEGRAM_API_URL"), token), telegram_body(message, to.address).dump());
      a.error = redact(a.error, token, "<NOTIFY_TELEGRAM_BOT_TOKEN>");
      return a;
    }
    case Channel::email: return send_mail(to, message);
  }
  return {};
}

}  // namespace bscbot::core::notify
