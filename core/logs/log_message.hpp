#pragma once
// What a message may carry into the daemon's log: secrets masked (core/config/mask.hpp) and at
// most k_max_log_message_bytes long. A client or a node can make text arbitrarily long (a URL,
// an error page), and a log that one request can fill is a log an attacker can rotate away.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace bscbot::core::logs {

inline constexpr std::size_t k_max_log_message_bytes = 4096;

// The text to write instead of `message`, or nothing when it may be written as it is (the
// common case, which costs a scan for "://", '=' and "earer " only). A long message is cut at a
// UTF-8 character boundary and ends "... (N more bytes)".
std::optional<std::string> guarded_log_message(std::string_view message);

}  // namespace bscbot::core::logs
