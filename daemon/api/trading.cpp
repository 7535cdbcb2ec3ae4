// Trading routes. GET /api/v1/trading/history is the manual's 2 PM check:
// `curl http://localhost:10001/api/v1/trading/history?limit=20`; GET /api/v1/gas-price its
// trade-failure diagnosis. Reads need a viewer token (or a token-less loopback request, see
// daemon/auth.hpp), swaps and cancels a trader token.
#include <fmt/format.h>

#include <charconv>

#include "core/db/trade_json.hpp"
#include "core/db/store.hpp"
#include "core/error.hpp"
#include "core/trade/engine.hpp"
#include "core/trade/math.hpp"
#include "daemon/api/routes.hpp"
#include "daemon/app.hpp"
#include "daemon/trading_service.hpp"

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

http::Response history(App& app, const http::Request& r) {
  reject_unknown(r, {"limit", "wallet", "status", "since"});
  core::db::HistoryQuery q;
  q.limit = parse_limit(r);
  if (auto it = r.query.find("wallet"); it != r.query.end()) {
    q.wallet = core::trade::parse_wallet(it->second).to_hex();  // the one address rule
  }
  if (auto it = r.query.find("status"); it != r.query.end()) {
    q.status = core::db::parse_trade_status(it->second);
    if (!q.status) throw Error(ErrorKind::usage, fmt::format("status must be pending, completed or failed, got '{}'", it->second));
  }
  if (auto it = r.query.find("since"); it != r.query.end()) {
    q.since = core::parse_sql_datetime(it->second);
  }
  const auto trades = app.store.trades().history(q);
  // Written as text, rows straight into the body: a DOM of 20 trades cost more than the query.
  // The keys in nlohmann's order, so the answer is the bytes it always was.
  std::string body = fmt::format("{{\"count\":{},\"limit\":{},\"trades\":", trades.size(), q.limit);
  body.reserve(body.size() + trades.size() * 900);
  core::db::append_trades_json(body, trades);
  body += '}';
  return http::Response::text(200, std::move(body), "application/json");
}

core::trade::TradeEngine& engine(App& app) {
  if (!app.trading) {
    throw Error(ErrorKind::unavailable, "chain access is disabled on this daemon (CHAIN_ENABLED=false); quotes and swaps are off");
  }
  return app.trading->engine();
}

// Integers up to 2^53 are exact in every JSON implementation (JavaScript's included); above,
// the client's own encoder may already have rounded them.
constexpr std::uint64_t k_max_exact_json_integer = std::uint64_t{1} << 53;

// A JSON value as the text the engine parses; numbers keep the digits the client sent.
std::optional<std::string> field_text(const nlohmann::json& p, const char* name) {
  if (!p.contains(name) || p[name].is_null()) return std::nullopt;
  const auto& v = p[name];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) return v.dump();
  throw Error(ErrorKind::usage, fmt::format("{} must be a string or a number", name));
}

// An amount: decimal text, or a JSON integer small enough to be exact. A JSON number with a
// fraction was rounded to a double when it was parsed (123456789.123456789 arrives as
// 123456789.12345679), so it is refused rather than traded at a value nobody asked for.
std::optional<std::string> amount_text(const nlohmann::json& p, const char* name) {
  if (!p.contains(name) || p[name].is_null()) return std::nullopt;
  const auto& v = p[name];
  if (v.is_string()) return v.get<std::string>();
  const bool exact = (v.is_number_unsigned() && v.get<std::uint64_t>() <= k_max_exact_json_integer) ||
                     (v.is_number_integer() && !v.is_number_unsigned() && v.get<std::int64_t>() >= -static_cast<std::int64_t>(k_max_exact_json_integer));
  if (exact) return v.dump();
  if (v.is_number()) {
    throw Error(ErrorKind::usage, fmt::format("{} must be a string such as \"0.5\", or a whole JSON number up to 2^53; the JSON number {} "
                                              "may already have lost digits",
                                              name, v.dump()));
  }
  throw Error(ErrorKind::usage, fmt::format("{} must be a decimal string such as \"0.5\"", name));
}

// The swap parameters, from the query (quote) or a JSON body (swap).
core::trade::SwapRequest swap_request(const nlohmann::json& p) {
  const auto text = [&](const char* name) { return field_text(p, name); };
  core::trade::SwapRequest req;
  const auto from = text("from");
  const auto to = text("to");
  if (!from || !to) throw Error(ErrorKind::usage, "from and to are required (BNB or a 0x token address)");
  req.from = *from;
  req.to = *to;
  req.amount = amount_text(p, "amount");
  req.amount_wei = amount_text(p, "amount_wei");
  if (const auto slippage = text("slippage")) req.slippage_bps = core::trade::parse_slippage_bps(*slippage);
  if (const auto deadline = text("deadline_seconds")) {
    std::int64_t d = 0;
    const auto [ptr, ec] = std::from_chars(deadline->data(), deadline->data() + deadline->size(), d);
    if (ec != std::errc() || ptr != deadline->data() + deadline->size()) throw Error(ErrorKind::usage, "deadline_seconds must be a whole number");
    req.deadline_seconds = d;
  }
  req.amount_out_min = amount_text(p, "amount_out_min");
  req.wallet = text("wallet");
  return req;
}

http::Response quote(App& app, const http::Request& r) {
  reject_unknown(r, {"from", "to", "amount", "amount_wei", "slippage"});
  nlohmann::json params = nlohmann::json::object();
  for (const auto& [k, v] : r.query) params[k] = v;
  const auto q = engine(app).quote(swap_request(params), core::trade::CheckWallet::no);
  return http::Response::json(200, core::trade::to_json(q));
}

http::Response gas_price(App& app, const http::Request& r) {
  reject_unknown(r, {});
  auto& e = engine(app);
  const auto [node, swap] = e.gas_price();
  return http::Response::json(200, {{"gas_price", core::to_decimal(node)},
                                    {"gas_price_gwei", core::format_units(node, 9)},
                                    {"multiplier", app.cfg.text("GAS_PRICE_MULTIPLIER")},
                                    {"swap_gas_price", core::to_decimal(swap)},
                                    {"swap_gas_price_gwei", core::format_units(swap, 9)},
                                    {"chain_id", app.cfg.integer("CHAIN_ID")}});
}

http::Response swap(App& app, const http::Request& r) {
  const auto body = nlohmann::json::parse(r.body.empty() ? std::string("{}") : r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) throw Error(ErrorKind::usage, "the body must be a JSON object");
  for (const auto& [k, _] : body.items()) {
    static const std::vector<std::string> known = {"from", "to", "amount", "amount_wei", "slippage", "deadline_seconds", "amount_out_min", "dry_run",
                                                   "wallet"};
    if (std::find(known.begin(), known.end(), k) == known.end()) {
      throw Error(ErrorKind::usage, fmt::format("unknown field '{}'; allowed: {}", k, fmt::join(known, ", ")));
    }
  }
  bool dry_run = false;
  if (body.contains("dry_run") && !body["dry_run"].is_null()) {
    if (!body["dry_run"].is_boolean()) {
      throw Error(ErrorKind::usage, fmt::format("dry_run must be true or false (a JSON boolean), got {}", body["dry_run"].dump().substr(0, 40)));
    }
    dry_run = body["dry_run"].get<bool>();
  }
  const auto req = swap_request(body);
  auto& e = engine(app);
  if (dry_run) {
    const auto q = e.quote(req, core::trade::CheckWallet::yes);
    return http::Response::json(200, {{"dry_run", true}, {"quote", core::trade::to_json(q)}});
  }
  const auto trade = e.submit(req);
  return http::Response::json(202, {{"trade", trade}, {"queue_position", e.status().queue_length}, {"wallet", trade.wallet_address}});
}

std::optional<core::db::Trade> find_trade(App& app, const std::string& which) {
  core::db::TradeStore& repo = app.store.trades();
  if (which.rfind("0x", 0) == 0) return repo.find_by_tx_hash(which);
  std::int64_t id = 0;
  const auto [ptr, ec] = std::from_chars(which.data(), which.data() + which.size(), id);
  if (ec != std::errc() || ptr != which.data() + which.size()) {
    throw Error(ErrorKind::usage, fmt::format("'{}' is neither a trade id nor a 0x transaction hash", which));
  }
  return repo.find(id);
}

http::Response trade(App& app, const http::Request& r) {
  reject_unknown(r, {});
  const std::string& which = r.params.at("id");
  const auto t = find_trade(app, which);
  if (!t) throw Error(ErrorKind::not_found, fmt::format("no trade {}", which));
  // Every transaction the trade was sent under (replacements, a cancel, its approval).
  nlohmann::json txs = nlohmann::json::array();
  for (const auto& tx : app.store.lanes().transactions(t->id)) {
    txs.push_back({{"tx_hash", tx.tx_hash},
                   {"kind", std::string(core::db::to_string(tx.kind))},
                   {"nonce", tx.nonce},
                   {"gas_price", tx.gas_price.decimal()},
                   {"state", std::string(core::db::to_string(tx.state))},
                   {"block_number", tx.block_number ? nlohmann::json(*tx.block_number) : nlohmann::json(nullptr)},
                   {"created_at", core::to_sql_datetime(tx.created_at)}});
  }
  return http::Response::json(200, {{"trade", *t}, {"transactions", txs}});
}

std::int64_t trade_id(const http::Request& r) {
  const std::string& which = r.params.at("id");
  std::int64_t id = 0;
  const auto [ptr, ec] = std::from_chars(which.data(), which.data() + which.size(), id);
  if (ec != std::errc() || ptr != which.data() + which.size()) throw Error(ErrorKind::usage, fmt::format("'{}' is not a trade id", which));
  return id;
}

http::Response speed_up(App& app, const http::Request& r) {
  const auto t = engine(app).speed_up(trade_id(r));
  return http::Response::json(202, {{"trade", t}, {"speed_up_requested", true}});
}

// Each of this daemon's wallets: its sender (lease, nonce, in flight) and the manual's 24 h
// metrics for it.
http::Response wallets(App& app, const http::Request& r) {
  reject_unknown(r, {"since"});
  core::SystemTime since = core::system_clock().now() - std::chrono::hours(24);
  if (auto it = r.query.find("since"); it != r.query.end()) since = core::system_clock().now() - core::parse_duration(it->second);
  const auto stats = app.store.lanes().stats_by_wallet(since);
  const auto status = engine(app).status();
  nlohmann::json out = nlohmann::json::array();
  for (const auto& w : status.wallets) {
    const std::string lower = core::db::trade_rules::lower(w.address);
    nlohmann::json s = {{"total", 0}, {"completed", 0}, {"failed", 0}, {"pending", 0}, {"success_rate", nullptr}, {"avg_gas_fee_wei", nullptr}};
    for (const auto& ws : stats) {
      if (ws.wallet != lower) continue;
      s = {{"total", ws.stats.total},
           {"completed", ws.stats.completed},
           {"failed", ws.stats.failed},
           {"pending", ws.stats.pending},
           {"success_rate", ws.stats.success_rate ? nlohmann::json(*ws.stats.success_rate) : nlohmann::json(nullptr)},
           {"avg_gas_fee_wei", ws.stats.avg_gas_fee_wei ? nlohmann::json(*ws.stats.avg_gas_fee_wei) : nlohmann::json(nullptr)}};
    }
    out.push_back({{"address", w.address},
                   {"sending", w.sending},
                   {"next_nonce", w.next_nonce ? nlohmann::json(*w.next_nonce) : nlohmann::json(nullptr)},
                   {"in_flight", w.in_flight},
                   {"stuck", w.stuck},
                   {"stats", s}});
  }
  return http::Response::json(200, {{"wallets", out}, {"since", core::to_sql_datetime(since)}});
}

// A queued swap is cancelled now (200); a sent one gets a cancel transaction and ends cancelled
// only once that is mined, or completed if the swap wins the race (202).
http::Response cancel(App& app, const http::Request& r) {
  const auto result = engine(app).cancel(trade_id(r));
  return http::Response::json(result.cancelled ? 200 : 202,
                              {{"trade", result.trade}, {"cancelled", result.cancelled}, {"cancel_requested", result.requested}});
}

}  // namespace

std::vector<http::Route> trading_routes(App& app) {
  return {
      {"GET", "/api/v1/trading/history", http::Auth::viewer, "Newest trades first (limit 1-1000, wallet, status, since)",
       [&app](const http::Request& r) { return history(app, r); }},
      {"GET", "/api/v1/trading/trades/{id}", http::Auth::viewer, "One trade by id or transaction hash",
       [&app](const http::Request& r) { return trade(app, r); }},
      {"POST", "/api/v1/trading/swap", http::Auth::trader,
       "Queue a swap (from, to, amount|amount_wei, slippage, deadline_seconds, amount_out_min, wallet, dry_run)",
       [&app](const http::Request& r) { return swap(app, r); }},
      {"POST", "/api/v1/trading/trades/{id}/cancel", http::Auth::trader,
       "Cancel a swap: a queued one at once (200), a sent one with a 0-value self-transfer at its nonce (202)",
       [&app](const http::Request& r) { return cancel(app, r); }},
      {"POST", "/api/v1/trading/trades/{id}/speed-up", http::Auth::trader, "Replace a sent swap's transaction with a higher gas price now (202)",
       [&app](const http::Request& r) { return speed_up(app, r); }},
      {"GET", "/api/v1/trading/wallets", http::Auth::viewer, "This daemon's wallets: sender state and 24 h metrics each (since)",
       [&app](const http::Request& r) { return wallets(app, r); }},
      {"GET", "/api/v1/quote", http::Auth::viewer, "Router quote with minimum output, mid price and gas (from, to, amount|amount_wei, slippage)",
       [&app](const http::Request& r) { return quote(app, r); }},
      {"GET", "/api/v1/gas-price", http::Auth::viewer, "eth_gasPrice and the price swaps pay with GAS_PRICE_MULTIPLIER",
       [&app](const http::Request& r) { return gas_price(app, r); }},
  };
}

}  // namespace bscbot::daemon::api
