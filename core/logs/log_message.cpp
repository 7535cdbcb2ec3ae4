#include "core/logs/log_message.hpp"

#include <fmt/format.h>

#include "core/config/mask.hpp"

namespace bscbot::core::logs {

std::optional<std::string> guarded_log_message(std::string_view message) {
  // Only text that can carry a secret pays for the masking: a URL, a NAME=value pair, a bearer token.
  const bool suspect = message.find("://") != std::string_view::npos || message.find('=') != std::string_view::npos ||
                       message.find("earer ") != std::string_view::npos;
  if (!suspect && message.size() <= k_max_log_message_bytes) return std::nullopt;
  std::string text = suspect ? config::mask_secrets(message) : std::string(message);
  if (text.size() > k_max_log_message_bytes) {
    // Cut at a character boundary, so the line stays valid UTF-8 for whatever reads the log.
    std::size_t keep = k_max_log_message_bytes;
    while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
    const std::size_t cut = text.size() - keep;
    text.resize(keep);
    text += fmt::format("... ({} more bytes)", cut);
  }
  return text;
}

}  // namespace bscbot::core::logs
