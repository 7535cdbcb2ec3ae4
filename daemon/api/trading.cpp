// Trading routes. GET /api/v1/trading/history is the manual's 2 PM check:
// `curl http://localhost:10001/api/v1/trading/history?limit=20`.
#include <fmt/format.h>

#include <charconv>

#include "core/db/trade_json.hpp"
#include "core/db/trade_repository.hpp"
#include "core/error.hpp"
#include "daemon/api/routes.hpp"
#include "daemon/app.hpp"

namespace bscbot::daemon::api {

namespace {

using core::Error;
using core::ErrorKind;

void reject_unknown(const http::Request& r, std::initializer_list<std::string_view> known) {
  for (const auto& [name, _] : r.query) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      throw Error(ErrorKind::usage, fmt::format("unknown parameter '{}'; allowed: {}", name, fmt::join(known, ", ")));
    }
  }
}

int parse_limit(const http::Request& r) {
  const auto it = r.query.find("limit");
  if (it == r.query.end()) return 20;
  int limit = 0;
  const auto& text = it->second;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
  if (ec != std::errc() || ptr != text.data() + text.size() || limit < 1 || limit > 1000) {
    throw Error(ErrorKind::usage, fmt::format("limit must be a whole number from 1 to 1000, got '{}'", text));
  }
  return limit;
}

bool is_address(const std::string& s) {
  return s.size() == 42 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
         std::all_of(s.begin() + 2, s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

http::Response history(App& app, const http::Request& r) {
  reject_unknown(r, {"limit", "wallet", "status", "since"});
  core::db::HistoryQuery q;
  q.limit = parse_limit(r);
  if (auto it = r.query.find("wallet"); it != r.query.end()) {
    if (!is_address(it->second)) {
      throw Error(ErrorKind::usage, fmt::format("wallet must be a 0x-prefixed 40-hex-digit address, got '{}'", it->second));
    }
    q.wallet = it->second;
  }
  if (auto it = r.query.find("status"); it != r.query.end()) {
    q.status = core::db::parse_trade_status(it->second);
    if (!q.status) throw Error(ErrorKind::usage, fmt::format("status must be pending, completed or failed, got '{}'", it->second));
  }
  if (auto it = r.query.find("since"); it != r.query.end()) {
    q.since = core::to_sql_datetime(core::parse_sql_datetime(it->second));
  }
  auto lease = app.pool.acquire();
  core::db::TradeRepository repo(lease.db(), app.query_observer());
  const auto trades = repo.history(q);
  return http::Response::json(200, {{"trades", trades}, {"count", trades.size()}, {"limit", q.limit}});
}

}  // namespace

std::vector<http::Route> trading_routes(App& app) {
  return {
      {"GET", "/api/v1/trading/history", http::Auth::none, "Newest trades first (limit 1-1000, wallet, status, since)",
       [&app](const http::Request& r) { return history(app, r); }},
  };
}

}  // namespace bscbot::daemon::api
