#pragma once
// JSON text for clients (HTTP answers, WebSocket messages).
#include <nlohmann/json.hpp>
#include <string>

namespace bscbot::daemon {

// `value` serialised; invalid UTF-8 in its strings becomes U+FFFD. Those strings may carry
// bytes from outside (a percent-decoded query echoed in an error, a node's message cut short),
// and nlohmann's default dump() throws on them: out of the request dispatcher that ended the
// daemon (found by fuzz/fuzz_http_request.cpp: GET /api/v1/trading/history?limit=%FF).
inline std::string to_json_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace bscbot::daemon
