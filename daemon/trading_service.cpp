#include "daemon/trading_service.hpp"

#include <fmt/format.h>

#include "core/config/mask.hpp"
#include "core/db/trade_json.hpp"
#include "core/trade/trading_key.hpp"
#include "core/util/clock.hpp"
#include "daemon/app.hpp"
#include "daemon/json_text.hpp"
#include "daemon/ws/hub.hpp"

namespace bscbot::daemon {

namespace {

using core::trade::LogLevel;
using nlohmann::json;

spdlog::level::level_enum level_of(LogLevel l) {
  switch (l) {
    case LogLevel::debug: return spdlog::level::debug;
    case LogLevel::info: return spdlog::level::info;
    case LogLevel::warn: return spdlog::level::warn;
    case LogLevel::error: return spdlog::level::err;
  }
  return spdlog::level::info;
}

template <typename T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json endpoints_json(const std::vector<core::chain::EndpointStatus>& list) {
  json out = json::array();
  for (const auto& e : list) {
    out.push_back({{"url", core::config::mask_url(e.url)},
                   {"state", e.state()},
                   {"score", e.score},
                   {"consecutive_failures", e.consecutive_failures},
                   {"calls", e.calls},
                   {"failures", e.failures},
                   {"timeouts", e.timeouts},
                   {"rate_limited", e.rate_limited},
                   {"circuit_open", e.circuit_open},
                   {"cool_off_ms", e.cool_off_ms},
                   {"open_for_ms", e.open_for_ms},
                   {"last_latency_ms", opt(e.last_latency_ms)},
                   {"last_failure", e.last_failure},
                   {"last_error", core::config::mask_secrets(e.last_error)}});
  }
  return out;
}

}  // namespace

TradingService::TradingService(App& app) : m_app(app) {
  auto keys = core::trade::load_trading_keys(app.cfg);
  if (keys.empty()) app.log->warn("No trading key configured (TRADING_KEY_FILE, TRADING_KEY_FILES, TRADING_KEY_DIR): quotes only, swaps are refused");
  core::trade::EngineHooks hooks;
  hooks.log = [&app](LogLevel level, const std::string& message) { app.log->log(level_of(level), "{}", message); };
  hooks.on_trade = [&app](const core::db::Trade& trade) {
    if (!app.hub) return;
    // The trade's one writer; the keys in the order a JSON object of both would print them.
    std::string message = "{\"trade\":";
    core::db::append_trade_json(message, trade);
    message += ",\"type\":\"trade\"}";
    app.hub->broadcast(message);
  };
  hooks.on_price = [&app](const core::trade::PairPrice& p) {
    if (!app.hub) return;
    app.hub->broadcast(json{{"type", "price"},
                            {"pair", p.pair.to_hex()},
                            {"token0", p.token0.to_hex()},
                            {"token1", p.token1.to_hex()},
                            {"reserve0", core::to_decimal(p.reserve0)},
                            {"reserve1", core::to_decimal(p.reserve1)},
                            {"price0", p.price0()},
                            {"price1", p.price1()},
                            {"timestamp", core::to_iso8601(p.fetched_at)}}
                           .dump());
  };
  hooks.on_price_lookup = [this, &app](bool hit, bool stale, const std::string& what) {
    (hit ? app.state.cache_hits : app.state.cache_misses)++;
    if (m_engine) app.state.cache_size.store(static_cast<int>(m_engine->price_cache_size()));
    // The manual counts these: `grep -E "cache.*HIT|cache.*MISS" | awk '{print $NF}'`.
    app.access().info("Price cache {}{} {}", what, stale ? " (stale)" : "", hit ? "HIT" : "MISS");
  };
  hooks.on_queue_length = [&app](int n) { app.state.trade_queue_length.store(n); };
  hooks.on_rpc = [&app](std::string_view role, const core::chain::RpcAttempt& a) {
    app.metrics.observe_rpc(role, a.endpoint, a.method, core::chain::to_string(a.outcome), static_cast<double>(a.latency.count()) / 1e6);
  };
  m_engine = std::make_unique<core::trade::TradeEngine>(core::trade::EngineSettings::from_config(app.cfg), app.store, std::move(keys),
                                                        std::move(hooks));
  for (const auto& w : m_engine->wallets()) app.log->info("Trading wallet {}", w.to_checksum());
}

TradingService::~TradingService() { stop(); }

json TradingService::health(bool detail) const {
  const auto s = m_engine->status();
  const auto now = core::system_clock().now();
  json wallets = json::array();
  for (const auto& w : s.wallets) {
    std::optional<std::string> owner;
    for (const auto& l : s.leases) {
      if (l.wallet == core::db::trade_rules::lower(w.address)) owner = l.owner;
    }
    wallets.push_back({{"address", w.address},
                       {"sending", w.sending},
                       {"lease_owner", opt(owner)},
                       {"lease_epoch", opt(w.epoch)},
                       {"next_nonce", opt(w.next_nonce)},
                       {"in_flight", w.in_flight},
                       {"claimed", w.claimed},
                       {"stuck", w.stuck},
                       {"oldest_in_flight_s", opt(w.oldest_in_flight_s)},
                       {"rebroadcasts", w.rebroadcasts},
                       {"replacements", w.replacements},
                       {"fillers", w.fillers},
                       {"last_quote_to_send_ms", opt(w.last_quote_to_send_ms)},
                       {"last_error", core::config::mask_secrets(w.last_error)}});
  }
  const auto& c = s.chain;
  json j = {
      {"enabled", true},
      {"state", c.down ? std::string("down") : std::string(core::trade::to_string(c.state))},
      {"detail", core::config::mask_secrets(c.detail)},
      {"down", c.down},
      {"silent_seconds", c.silent_for.count()},
      {"down_after_seconds", m_app.cfg.integer("CHAIN_DOWN_AFTER_S")},
      {"chain_id", opt(c.chain_id)},
      {"expected_chain_id", m_app.cfg.integer("CHAIN_ID")},
      {"block_number", opt(c.block_number)},
      {"block_age_seconds", c.block_timestamp ? json(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() - *c.block_timestamp)
                                              : json(nullptr)},
      {"checked_ms_ago", c.checked_at ? json(std::chrono::duration_cast<std::chrono::milliseconds>(now - *c.checked_at).count()) : json(nullptr)},
      {"accepting_swaps", s.accepting_swaps},
      {"refusal", s.refusal},
      {"queue_length", s.queue_length},
      {"last_quote_to_send_ms", opt(s.last_quote_to_send_ms)},
      {"endpoints", endpoints_json(s.endpoints)},
      {"private_sends", !s.private_endpoints.empty()},
      {"private_endpoints", endpoints_json(s.private_endpoints)},
  };
  // The wallets and their nonces only for a caller who may read them.
  if (detail) {
    // The first wallet, as before several were possible.
    j["wallet"] = s.wallets.empty() ? json(nullptr) : json(s.wallets.front().address);
    j["next_nonce"] = s.wallets.empty() ? json(nullptr) : opt(s.wallets.front().next_nonce);
    j["wallets"] = wallets;
  }
  return j;
}

std::string TradingService::problem() const {
  const auto s = m_engine->status();
  if (!s.chain.down) return "";
  std::string last;
  for (const auto& e : s.endpoints) {
    if (!e.last_error.empty()) last = e.last_error;
  }
  return fmt::format("chain down: no JSON-RPC endpoint has answered for {} s (CHAIN_DOWN_AFTER_S={}){}", s.chain.silent_for.count(),
                     m_app.cfg.integer("CHAIN_DOWN_AFTER_S"), last.empty() ? "" : "; last error: " + core::config::mask_secrets(last));
}

void TradingService::fill_metrics(MetricsSnapshot& snap) const {
  const auto s = m_engine->status();
  snap.chain_up = !s.chain.down;
  snap.chain_silent_seconds = static_cast<double>(s.chain.silent_for.count());
  for (const auto& e : s.endpoints) snap.endpoints.push_back({"public", core::config::mask_url(e.url), e.score, e.circuit_open});
  for (const auto& e : s.private_endpoints) snap.endpoints.push_back({"private", core::config::mask_url(e.url), e.score, e.circuit_open});
  for (const auto& w : s.wallets) snap.wallets.push_back({core::db::trade_rules::lower(w.address), w.sending, w.in_flight, w.stuck});
}

void TradingService::start() {
  m_app.log->info("Trade engine starting: chain id {}, RPC endpoints {}{}, {} wallet(s)", m_app.cfg.integer("CHAIN_ID"), m_app.cfg.rpc_urls().size(),
                  m_app.cfg.is_set("BSC_PRIVATE_RPC_URLS") ? fmt::format(", private endpoints {}", m_app.cfg.list("BSC_PRIVATE_RPC_URLS").size()) : "",
                  m_engine->wallets().size());
  m_engine->start();
}

void TradingService::stop() {
  if (m_engine) m_engine->stop();
}

}  // namespace bscbot::daemon
