#include "core/reports/status_page.hpp"

#include <fmt/format.h>

#include "core/reports/html.hpp"

namespace bscbot::core::reports {

namespace {

using html::escape;

// 0x1234…abcd: enough to tell addresses and hashes apart; the full text is in the title.
std::string short_hex(const std::string& hex) {
  const std::string text = hex.size() > 14 ? hex.substr(0, 6) + "\xE2\x80\xA6" + hex.substr(hex.size() - 4) : hex;
  return fmt::format("<span class=\"mono\" title=\"{}\">{}</span>", escape(hex), escape(text));
}

checks::Status trade_class(db::TradeStatus s) {
  switch (s) {
    case db::TradeStatus::completed: return checks::Status::ok;
    case db::TradeStatus::failed: return checks::Status::crit;
    case db::TradeStatus::pending: break;
  }
  return checks::Status::warn;
}

std::string verdicts_table(const std::vector<Verdict>& verdicts) {
  std::string out = "<section id=\"verdicts\">\n<h2>Health</h2>\n<table>\n<thead><tr><th>check</th><th>verdict</th><th>seen</th></tr></thead>\n<tbody>\n";
  for (const auto& v : verdicts) {
    out += fmt::format("<tr class=\"verdict\" data-name=\"{0}\" data-status=\"{1}\"><th>{0}</th><td><span class=\"badge {1}\">{2}</span></td><td>{3}</td></tr>\n",
                       escape(v.name), html::css_class(v.status), checks::to_string(v.status), escape(v.detail));
  }
  return out + "</tbody>\n</table>\n</section>\n";
}

std::string trades_table(const std::vector<db::Trade>& trades) {
  std::string out = "<section id=\"trades\">\n<h2>Last trades</h2>\n";
  if (trades.empty()) return out + "<p class=\"meta\">No trades recorded yet.</p>\n</section>\n";
  out +=
      "<table>\n<thead><tr><th class=\"num\">id</th><th>created (UTC)</th><th>status</th><th>wallet</th><th>token in</th><th>token out</th>"
      "<th class=\"num\">amount in (wei)</th><th>transaction</th><th>error</th></tr></thead>\n<tbody>\n";
  for (const auto& t : trades) {
    out += fmt::format(
        "<tr class=\"trade\" data-id=\"{0}\" data-status=\"{2}\"><td class=\"num\">{0}</td><td>{1}</td><td><span class=\"badge {3}\">{2}</span></td>"
        "<td>{4}</td><td>{5}</td><td>{6}</td><td class=\"num mono\">{7}</td><td>{8}</td><td>{9}</td></tr>\n",
        t.id, escape(to_sql_datetime(t.created_at)), escape(db::to_string(t.status)), html::css_class(trade_class(t.status)),
        short_hex(t.wallet_address), short_hex(t.token_in), short_hex(t.token_out), escape(t.amount_in.decimal()),
        t.tx_hash ? short_hex(*t.tx_hash) : std::string("&ndash;"), escape(t.error.value_or("")));
  }
  return out + "</tbody>\n</table>\n</section>\n";
}

}  // namespace

std::string render_status_page(const StatusPage& page) {
  const std::string overall(checks::to_string(page.overall));
  std::string body = fmt::format("<header>\n<h1>bscbotd <span id=\"overall\" class=\"badge {}\">{}</span></h1>\n", html::css_class(page.overall), overall);
  if (!page.reason.empty()) body += fmt::format("<p id=\"reason\" class=\"reason\">{}</p>\n", escape(page.reason));
  std::string facts;
  for (const auto& [name, value] : page.facts) facts += fmt::format("{}{}: {}", facts.empty() ? "" : " &middot; ", escape(name), escape(value));
  body += fmt::format("<p class=\"meta\">{}</p>\n<p class=\"meta\">Generated {} UTC{}.</p>\n</header>\n", facts, escape(to_sql_datetime(page.generated_at)),
                      page.refresh_seconds > 0 ? fmt::format("; reloads every {} s", page.refresh_seconds) : "");
  body += verdicts_table(page.verdicts);
  body += "<section id=\"charts\">\n<h2>Last 24 hours</h2>\n<div class=\"charts\">\n";
  for (const auto& c : page.charts) body += svg::render(c);
  body += "</div>\n</section>\n";
  body += trades_table(page.trades);
  body +=
      "<footer>The same figures as JSON: <code>/api/health</code>, <code>/api/metrics</code>, <code>/api/v1/trading/history</code>. "
      "Samples are stored every METRIC_SAMPLE_INTERVAL_S.</footer>\n";
  return html::page({"bscbotd status: " + overall, page.refresh_seconds}, body);
}

}  // namespace bscbot::core::reports
