#pragma once
// The daemon's side of trading: loads the trading keys, runs the core trade engine on its own
// threads (never the worker loop's), and turns the engine's events into log lines, WebSocket
// messages, metrics and RuntimeState gauges.
#include <memory>

#include <nlohmann/json.hpp>

#include "core/trade/engine.hpp"
#include "daemon/metrics.hpp"

namespace bscbot::daemon {

struct App;

class TradingService {
public:
  // Throws core::Error(config) for a bad key file or trading setting, so the daemon does not
  // start half-configured.
  explicit TradingService(App& app);
  ~TradingService();

  void start();
  void stop();

  core::trade::TradeEngine& engine() { return *m_engine; }

  // The "chain" section of /api/health, from the engine's snapshot (no RPC). The wallets and
  // their nonces only with `detail`; endpoint URLs always with their secrets masked.
  nlohmann::json health(bool detail) const;
  // Why /api/health must answer 503 because of the chain (it is down), or empty.
  std::string problem() const;
  // The chain, endpoint and wallet gauges of /api/metrics.
  void fill_metrics(MetricsSnapshot& snapshot) const;

private:
  App& m_app;
  std::unique_ptr<core::trade::TradeEngine> m_engine;
};

}  // namespace bscbot::daemon
