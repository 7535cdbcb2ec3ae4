// The manual's cached market endpoints (its cache middleware: /api/v1/tokens 1 min,
// /api/v1/pairs 30 s, /api/dashboard/overview 10 s): the tokens and pairs trades went between,
// with what the chain says of them, and the dashboard's figures. Without a chain (or with the
// node not answering) they answer what the database knows and say what is missing; a chain read
// that fails is reported in the answer, never as a 500.
#include <fmt/format.h>

#include <map>
#include <set>

#include "core/db/store.hpp"
#include "core/trade/engine.hpp"
#include "core/util/clock.hpp"
#include "core/util/wei.hpp"
#include "daemon/api/response_cache.hpp"
#include "daemon/api/routes.hpp"
#include "daemon/app.hpp"
#include "daemon/http/request.hpp"
#include "daemon/trading_service.hpp"

namespace bscbot::daemon::api {

namespace {

using nlohmann::json;

constexpr int k_pairs_listed = 100;

const char* k_no_chain = "CHAIN_ENABLED=false: symbols, decimals, reserves and balances are read from the chain";

// The engine, when this daemon talks to the chain.
core::trade::TradeEngine* engine_of(App& app) { return app.trading ? &app.trading->engine() : nullptr; }

std::chrono::milliseconds ttl(App& app, const char* setting) { return std::chrono::milliseconds(app.cfg.integer(setting)); }

http::Response tokens(App& app) {
  const auto pairs = app.store.trades().traded_pairs(k_pairs_listed);
  const std::string wbnb = app.cfg.text("WBNB_ADDRESS");
  std::map<std::string, std::int64_t> trades;  // lower-case address -> trades in or out
  if (!wbnb.empty()) trades[core::db::trade_rules::lower(wbnb)] += 0;  // the configured one, traded or not
  for (const auto& p : pairs) {
    trades[p.token_in] += p.trades;
    trades[p.token_out] += p.trades;
  }
  auto* e = engine_of(app);
  json list = json::array();
  std::vector<std::string> errors;
  for (const auto& [address, n] : trades) {
    json t = {{"address", address}, {"trades", n}, {"symbol", nullptr}, {"decimals", nullptr},
              {"wrapped_native", !wbnb.empty() && address == core::db::trade_rules::lower(wbnb)}};
    if (e) {
      try {
        const auto info = e->token_info(core::chain::Address::parse(address));
        t["symbol"] = info.symbol ? json(*info.symbol) : json(nullptr);
        t["decimals"] = info.decimals;
      } catch (const std::exception& ex) {
        errors.push_back(fmt::format("{}: {}", address, ex.what()));
      }
    }
    list.push_back(std::move(t));
  }
  return http::Response::json(200, {{"tokens", list}, {"count", list.size()}, {"missing", e ? json(nullptr) : json(k_no_chain)},
                                    {"errors", errors}, {"generated_at", core::to_iso8601(core::system_clock().now())}});
}

http::Response pairs(App& app) {
  // A pair is the same whichever way a trade went through it.
  std::map<std::pair<std::string, std::string>, std::int64_t> traded;
  for (const auto& p : app.store.trades().traded_pairs(k_pairs_listed)) {
    traded[std::minmax(p.token_in, p.token_out)] += p.trades;
  }
  auto* e = engine_of(app);
  json list = json::array();
  std::vector<std::string> errors;
  for (const auto& [tokens, n] : traded) {
    json p = {{"token_a", tokens.first}, {"token_b", tokens.second}, {"trades", n}, {"pair", nullptr},
              {"reserve0", nullptr}, {"reserve1", nullptr}, {"price0", nullptr}, {"price1", nullptr}, {"fetched_at", nullptr}};
    if (e) {
      try {
        const auto looked = e->pair_price(core::chain::Address::parse(tokens.first), core::chain::Address::parse(tokens.second));
        const auto& price = looked.price;
        p["pair"] = price.pair.to_hex();
        p["token0"] = price.token0.to_hex();
        p["token1"] = price.token1.to_hex();
        p["reserve0"] = core::to_decimal(price.reserve0);
        p["reserve1"] = core::to_decimal(price.reserve1);
        p["price0"] = price.price0();
        p["price1"] = price.price1();
        p["fetched_at"] = core::to_iso8601(price.fetched_at);
        p["stale"] = looked.stale;
      } catch (const std::exception& ex) {
        errors.push_back(fmt::format("{}/{}: {}", tokens.first, tokens.second, ex.what()));
      }
    }
    list.push_back(std::move(p));
  }
  return http::Response::json(200, {{"pairs", list}, {"count", list.size()}, {"missing", e ? json(nullptr) : json(k_no_chain)},
                                    {"errors", errors}, {"generated_at", core::to_iso8601(core::system_clock().now())}});
}

http::Response overview(App& app) {
  const auto now = core::system_clock().now();
  const auto since = now - std::chrono::hours(24);
  const auto s = app.store.trades().stats(since);
  const auto volume = app.store.trades().volume_in(since);
  auto* e = engine_of(app);
  json wallets = json::array();
  std::vector<std::string> errors;
  if (e) {
    for (const auto& w : e->status().wallets) {
      json entry = {{"address", w.address}, {"sending", w.sending}, {"in_flight", w.in_flight}, {"balance_wei", nullptr}, {"balance_bnb", nullptr}};
      try {
        const auto wei = e->balance(core::chain::Address::parse(w.address));
        entry["balance_wei"] = core::to_decimal(wei);
        entry["balance_bnb"] = core::format_units(wei, 18);
      } catch (const std::exception& ex) {
        errors.push_back(fmt::format("balance of {}: {}", w.address, ex.what()));
      }
      wallets.push_back(std::move(entry));
    }
  }
  const auto problems = health_problems(app);
  std::string reason;
  for (const auto& p : problems) reason += (reason.empty() ? "" : "; ") + p;
  return http::Response::json(
      200, {{"trades_24h",
             {{"total", s.total},
              {"completed", s.completed},
              {"failed", s.failed},
              {"pending", s.pending},
              {"success_rate", s.success_rate ? json(*s.success_rate) : json(nullptr)},
              {"avg_gas_fee_wei", s.avg_gas_fee_wei ? json(*s.avg_gas_fee_wei) : json(nullptr)},
              {"volume_in_wei", volume.decimal()}}},
            {"trade_queue_length", app.state.trade_queue_length.load()},
            {"wallets", wallets},
            {"health", {{"status", problems.empty() ? "ok" : "error"}, {"reason", reason}}},
            {"missing", e ? json(nullptr) : json(k_no_chain)},
            {"errors", errors},
            {"generated_at", core::to_iso8601(now)}});
}

}  // namespace

std::vector<http::Route> market_routes(App& app) {
  // One cache for the three routes, alive as long as the routes (the router keeps them).
  auto cache = std::make_shared<ResponseCache>(app.metrics);
  const auto cached = [&app, cache](const char* route, const char* setting, http::Response (*compute)(App&)) {
    return [&app, cache, route, setting, compute](const http::Request&) {
      return cache->get(route, "", ttl(app, setting), [&] { return compute(app); });
    };
  };
  return {
      {"GET", "/api/v1/tokens", http::Auth::viewer, "Tokens trades went between, with symbol and decimals from the chain (cached TOKENS_CACHE_TTL_MS)",
       cached("/api/v1/tokens", "TOKENS_CACHE_TTL_MS", tokens)},
      {"GET", "/api/v1/pairs", http::Auth::viewer, "Traded pairs with reserves and prices from the pair contracts (cached PAIRS_CACHE_TTL_MS)",
       cached("/api/v1/pairs", "PAIRS_CACHE_TTL_MS", pairs)},
      {"GET", "/api/dashboard/overview", http::Auth::viewer,
       "24 h volume, success rate, gas, queue, wallet balances and health (cached DASHBOARD_CACHE_TTL_MS)",
       cached("/api/dashboard/overview", "DASHBOARD_CACHE_TTL_MS", overview)},
  };
}

}  // namespace bscbot::daemon::api
