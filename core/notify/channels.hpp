#pragma once
// Where messages go and how they get there. A contact names its ways (e-mail addresses, a
// Telegram chat, the Slack, Discord or generic webhook); each way is a Destination, and a
// Sender delivers one message to one destination, all through libcurl: HTTPS POSTs for the
// webhooks and Telegram's sendMessage, SMTP/SMTPS with STARTTLS and AUTH for mail.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"
#include "core/notify/message.hpp"

namespace bscbot::core::notify {

enum class Channel { webhook, slack, discord, telegram, email };
inline constexpr Channel k_channels[] = {Channel::webhook, Channel::slack, Channel::discord, Channel::telegram, Channel::email};

std::string_view to_string(Channel c);
std::optional<Channel> parse_channel(std::string_view text);

// Whether the settings a channel needs are there (a URL, a token, a mail server).
bool channel_configured(const config::Config& cfg, Channel c);

// Whether any channel at all is set up.
bool any_channel_configured(const config::Config& cfg);

// What a channel is missing, e.g. "NOTIFY_SMTP_URL is not set"; empty when configured.
std::string channel_problem(const config::Config& cfg, Channel c);

struct Destination {
  Channel channel = Channel::webhook;
  std::string address;               // e-mail address, Telegram chat id, Slack channel override, or ""
  std::vector<std::string> contacts;  // labels of the contacts it reaches
  // "email alice@example.com", "slack #bsc-bot-alerts", "discord", "telegram 12345".
  std::string describe() const;
  bool operator==(const Destination& o) const { return channel == o.channel && address == o.address; }
};

struct Routing {
  std::vector<Destination> destinations;
  std::vector<std::string> problems;  // ways that cannot be used, and why
};

// The destinations of the contacts in `roles` (primary, secondary, team, vendors), one per
// distinct way. With no contacts configured at all, every configured webhook-like channel
// (webhook, Slack, Discord) is used, so a deployment with only NOTIFY_SLACK_WEBHOOK_URL in .env
// still hears about problems. A role without a contact, or a way whose channel is not set up,
// is named in `problems`.
Routing route(const config::Config& cfg, const std::vector<std::string>& roles);

struct Attempt {
  bool ok = false;
  long status = 0;                    // HTTP status, or the SMTP reply code
  std::string error;                  // why it failed
  std::chrono::milliseconds took{0};
  std::optional<std::chrono::milliseconds> retry_after;  // asked for by a 429
  bool permanent = false;             // retrying cannot help (a 4xx other than 408/429)
};

class Sender {
public:
  virtual ~Sender() = default;
  // Delivers `message` once; never throws for a failed delivery (the attempt says why).
  virtual Attempt send(const Destination& to, const Message& message) = 0;
};

// The real channels over libcurl, with the settings' URLs, token, mail server and timeout.
class CurlSender final : public Sender {
public:
  explicit CurlSender(const config::Config& cfg) : m_cfg(cfg) {}
  Attempt send(const Destination& to, const Message& message) override;

private:
  Attempt post_json(const std::string& url, const std::string& body) const;
  Attempt send_mail(const Destination& to, const Message& message) const;

  const config::Config& m_cfg;
};

// The URL of Telegram's sendMessage for `token` under NOTIFY_TELEGRAM_API_URL.
std::string telegram_url(const std::string& api_base, const std::string& token);

}  // namespace bscbot::core::notify
