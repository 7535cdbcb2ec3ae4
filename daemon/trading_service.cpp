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

spdlog::level::level_enum level_of(LogLevel l) {
  switch (l) {
    case LogLevel::debug: return spdlog::level::debug;
    case LogLevel::info: return spdlog::level::info;
    case LogLevel::warn: return spdlog::level::warn;
    case LogLevel::error: return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

TradingService::TradingService(App& app) : m_app(app) {
  auto key = core::trade::load_trading_key(app.cfg);
  if (!key) app.log->warn("No trading key configured (TRADING_KEY_FILE): quotes only, swaps are refused");
  core::trade::EngineHooks hooks;
  hooks.log = [&app](LogLevel level, const std::string& message) { app.log->log(level_of(level), "{}", message); };
  hooks.on_trade = [&app](const core::db::Trade& trade) {
    if (app.hub) app.hub->broadcast(to_json_text({{"type", "trade"}, {"trade", trade}}));
  };
  hooks.on_price = [&app](const core::trade::PairPrice& p) {
    if (!app.hub) return;
    app.hub->broadcast(nlohmann::json{{"type", "price"},
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
    app.log->info("Price cache {}{} {}", what, stale ? " (stale)" : "", hit ? "HIT" : "MISS");
  };
  hooks.on_queue_length = [&app](int n) { app.state.trade_queue_length.store(n); };
  m_engine = std::make_unique<core::trade::TradeEngine>(core::trade::EngineSettings::from_config(app.cfg), app.store, std::move(key),
                                                        std::move(hooks));
}

TradingService::~TradingService() { stop(); }

nlohmann::json TradingService::health(bool detail) const {
  const auto s = m_engine->status();
  nlohmann::json endpoints = nlohmann::json::array();
  for (const auto& e : s.endpoints) {
    endpoints.push_back({{"url", core::config::mask_url(e.url)},
                         {"score", e.score},
                         {"consecutive_failures", e.consecutive_failures},
                         {"calls", e.calls},
                         {"failures", e.failures},
                         {"last_latency_ms", e.last_latency_ms ? nlohmann::json(*e.last_latency_ms) : nlohmann::json(nullptr)},
                         {"last_error", core::config::mask_secrets(e.last_error)}});
  }
  auto opt = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  const auto now = core::system_clock().now();
  nlohmann::json j = {
      {"enabled", true},
      {"state", std::string(core::trade::to_string(s.state))},
      {"detail", core::config::mask_secrets(s.detail)},
      {"chain_id", opt(s.chain_id)},
      {"expected_chain_id", m_app.cfg.integer("CHAIN_ID")},
      {"block_number", opt(s.block_number)},
      {"block_age_seconds", s.block_timestamp ? nlohmann::json(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() - *s.block_timestamp)
                                              : nlohmann::json(nullptr)},
      {"checked_ms_ago", s.checked_at ? nlohmann::json(std::chrono::duration_cast<std::chrono::milliseconds>(now - *s.checked_at).count())
                                      : nlohmann::json(nullptr)},
      {"accepting_swaps", s.accepting_swaps},
      {"queue_length", s.queue_length},
      {"last_quote_to_send_ms", opt(s.last_quote_to_send_ms)},
      {"endpoints", endpoints},
  };
  if (detail) {
    j["wallet"] = opt(s.wallet);
    j["next_nonce"] = opt(s.next_nonce);
  }
  return j;
}

void TradingService::start() {
  m_app.log->info("Trade engine starting: chain id {}, RPC endpoints {}", m_app.cfg.integer("CHAIN_ID"), m_app.cfg.rpc_urls().size());
  m_engine->start();
}

void TradingService::stop() {
  if (m_engine) m_engine->stop();
}

}  // namespace bscbot::daemon
