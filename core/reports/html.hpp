#pragma once
// The little HTML the status page and the weekly report's HTML form share: escaping and the page
// shell with its inline style sheet (no external scripts, fonts or images, so a page saved to a
// file or served by bscbotd works offline).
#include <string>
#include <string_view>

#include "core/checks/status.hpp"

namespace bscbot::core::reports::html {

// Text made safe for element content and quoted attribute values.
std::string escape(std::string_view text);

// "ok", "warn", "crit", "unknown": the CSS class of a verdict.
std::string_view css_class(checks::Status status);

struct PageShell {
  std::string title;
  int refresh_seconds = 0;  // > 0: the page reloads itself this often
};

// <!doctype html> ... <body> with the shared style sheet; `body` is inserted as it is.
std::string page(const PageShell& shell, std::string_view body);

}  // namespace bscbot::core::reports::html
