#pragma once
// The chain as the engine sees it, kept fresh on a thread of its own so /api/health and the
// WebSocket never wait on RPC: the chain id checked against CHAIN_ID before anything is signed,
// the head block, the price cache's refresh, and whether the chain is down (no endpoint has
// answered for CHAIN_DOWN_AFTER_S).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/chain/eth.hpp"
#include "core/trade/hooks.hpp"
#include "core/trade/price_cache.hpp"
#include "core/trade/settings.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::trade {

enum class ChainState { connecting, ok, unavailable, refused };
std::string_view to_string(ChainState state);

struct ChainStatus {
  ChainState state = ChainState::connecting;
  std::string detail;
  std::optional<std::uint64_t> chain_id;         // as the node reported it, once checked
  std::optional<std::uint64_t> block_number;
  std::optional<std::int64_t> block_timestamp;   // unix seconds of the head block
  std::optional<SystemTime> checked_at;          // last successful head poll
  std::optional<SystemTime> last_answer;         // any endpoint's last usable answer
  bool down = false;                             // silent for CHAIN_DOWN_AFTER_S
  std::chrono::seconds silent_for{0};
};

class ChainMonitor {
public:
  ChainMonitor(const EngineSettings& settings, chain::Eth& eth, PriceCache& prices, const Clock& clock, const EngineHooks& hooks);
  ~ChainMonitor();
  ChainMonitor(const ChainMonitor&) = delete;
  ChainMonitor& operator=(const ChainMonitor&) = delete;

  // `on_turn` runs after each poll on the monitor's thread (the engine refreshes its counts).
  void start(std::function<void()> on_turn = {});
  void stop();

  ChainStatus status() const;
  // The node's chain id matched CHAIN_ID: signing is allowed.
  bool ready() const;

  // One turn: the chain id until it is checked, then the head block and the prices.
  void poll_once();

private:
  void run();
  bool wait(std::chrono::milliseconds d);  // false when stopping

  const EngineSettings& m_settings;
  chain::Eth& m_eth;
  PriceCache& m_prices;
  const Clock& m_clock;
  const EngineHooks& m_hooks;
  SystemTime m_started;
  std::chrono::steady_clock::time_point m_last_prices;
  std::function<void()> m_on_turn;

  mutable std::mutex m_mutex;
  std::condition_variable m_cv;
  ChainStatus m_status;
  bool m_stopping = false;
  std::thread m_thread;
};

}  // namespace bscbot::core::trade
