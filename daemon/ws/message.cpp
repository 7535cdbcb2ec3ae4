#include "daemon/ws/message.hpp"

#include <nlohmann/json.hpp>

#include "daemon/json_text.hpp"

namespace bscbot::daemon {

std::string reply_to_client_message(std::string_view text, const core::Clock& clock) {
  const auto msg = nlohmann::json::parse(text, nullptr, false);
  nlohmann::json reply;
  if (msg.is_discarded() || !msg.is_object() || !msg.contains("type") || !msg["type"].is_string()) {
    reply = {{"type", "error"}, {"error", "messages are JSON objects with a \"type\" (ping, subscribe)"}};
  } else if (msg["type"] == "ping") {
    reply = {{"type", "pong"}, {"timestamp", core::to_iso8601(clock.now())}};
  } else if (msg["type"] == "subscribe") {
    reply = {{"type", "subscribed"}, {"channels", {"prices", "trades"}}};
  } else {
    // The type is not repeated back: a client could make every reply as large as its message.
    reply = {{"type", "error"}, {"error", "unknown message type; known types: ping, subscribe"}};
  }
  return to_json_text(reply);
}

}  // namespace bscbot::daemon
