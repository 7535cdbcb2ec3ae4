#include "core/reports/html.hpp"

#include <fmt/format.h>

namespace bscbot::core::reports::html {

namespace {

// System fonts only: nothing is fetched, and the page still reads well.
constexpr std::string_view k_style = R"CSS(
:root { color-scheme: light dark; --ok: #15803d; --warn: #b45309; --crit: #b91c1c; --unknown: #6b7280; --line: #d1d5db; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem auto; max-width: 72rem; padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin: 1.75rem 0 .5rem; }
.meta { color: var(--unknown); margin: 0; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: .35rem; color: #fff; font-size: .85em; vertical-align: middle; }
.badge.ok { background: var(--ok); } .badge.warn { background: var(--warn); } .badge.crit { background: var(--crit); } .badge.unknown { background: var(--unknown); }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .88em; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(30rem, 1fr)); gap: 1rem; }
.chart { width: 100%; height: auto; border: 1px solid var(--line); border-radius: .35rem; }
.reason { color: var(--crit); font-weight: 600; }
footer { margin-top: 2rem; color: var(--unknown); font-size: .85rem; }
)CSS";

}  // namespace

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string_view css_class(checks::Status status) {
  switch (status) {
    case checks::Status::ok: return "ok";
    case checks::Status::warn: return "warn";
    case checks::Status::crit: return "crit";
    case checks::Status::unknown: break;
  }
  return "unknown";
}

std::string page(const PageShell& shell, std::string_view body) {
  const std::string refresh = shell.refresh_seconds > 0 ? fmt::format("<meta http-equiv=\"refresh\" content=\"{}\">\n", shell.refresh_seconds) : "";
  return fmt::format(
      "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n{}"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n{}</body>\n</html>\n",
      refresh, escape(shell.title), k_style, body);
}

}  // namespace bscbot::core::reports::html
