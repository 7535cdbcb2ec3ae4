#pragma once
// What bscbotd answers to a message a /ws client sends. Kept apart from the session's I/O so the
// fuzz target fuzz/fuzz_ws_message.cpp can feed it hostile text.
#include <string>
#include <string_view>

#include "core/util/clock.hpp"

namespace bscbot::daemon {

// The JSON reply to one client message `text`: a pong for {"type":"ping"}, the channels for
// {"type":"subscribe"}, an error object otherwise. Never throws for any input.
std::string reply_to_client_message(std::string_view text, const core::Clock& clock = core::system_clock());

}  // namespace bscbot::daemon
