#pragma once
// The words and bodies of a Message for each channel. Pure functions of the message, so the
// exact request bodies are the same in a unit test, a loopback sink and Slack itself.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/notify/message.hpp"

namespace bscbot::core::notify {

// "[S1 CRITICAL] daemon: /api/health answered 503 (prod-1)"; several items: "[S1 CRITICAL] 3
// alerts: daemon, disk_data, log_errors (prod-1)"; resolved and escalated items say so first.
std::string subject(const Message& m);

// The plain-text message: per item what, since when, evidence, next command and how to
// acknowledge. Every channel shows this text.
std::string text(const Message& m);

// The generic webhook's JSON: the text plus every item as fields, for machines.
nlohmann::json webhook_body(const Message& m);

// Slack incoming webhook: {"text": ...}, plus "channel" when the contact names one.
nlohmann::json slack_body(const Message& m, const std::optional<std::string>& channel);

// Discord webhook: {"content": ..., "username": "bscbot"}, cut to Discord's 2000 characters.
nlohmann::json discord_body(const Message& m);

// Telegram sendMessage: {"chat_id": ..., "text": ..., "disable_web_page_preview": true}, cut to
// Telegram's 4096 characters.
nlohmann::json telegram_body(const Message& m, const std::string& chat_id);

// An RFC 5322 mail (CRLF line ends, UTF-8 text/plain, a UTF-8 subject encoded per RFC 2047) to
// `to` from `from`, with X-Bscbot-Severity and X-Bscbot-Alert headers for mail filters.
std::string email_message(const Message& m, const std::string& from, const std::vector<std::string>& to, const std::string& message_id);

// `text` cut to at most `max_bytes` bytes on a UTF-8 character boundary, ending in "…" when cut.
std::string truncate_utf8(const std::string& text, std::size_t max_bytes);

// RFC 5322 date: "Tue, 01 Dec 2026 10:00:00 +0000".
std::string rfc5322_date(SystemTime t);

}  // namespace bscbot::core::notify
