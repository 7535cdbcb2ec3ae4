#include "core/trade/chain_monitor.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace bscbot::core::trade {

using nlohmann::json;

std::string_view to_string(ChainState state) {
  switch (state) {
    case ChainState::connecting: return "connecting";
    case ChainState::ok: return "ok";
    case ChainState::unavailable: return "unavailable";
    case ChainState::refused: return "refused";
  }
  return "unknown";
}

ChainMonitor::ChainMonitor(const EngineSettings& settings, chain::Eth& eth, PriceCache& prices, const Clock& clock, const EngineHooks& hooks)
    : m_settings(settings), m_eth(eth), m_prices(prices), m_clock(clock), m_hooks(hooks), m_started(clock.now()),
      m_last_prices(std::chrono::steady_clock::now()) {
  m_status.detail = "connecting to the node";
}

ChainMonitor::~ChainMonitor() { stop(); }

void ChainMonitor::start(std::function<void()> on_turn) {
  m_on_turn = std::move(on_turn);
  m_started = m_clock.now();
  m_thread = std::thread([this] { run(); });
}

void ChainMonitor::stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_cv.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

bool ChainMonitor::wait(std::chrono::milliseconds d) {
  std::unique_lock lock(m_mutex);
  return !m_cv.wait_for(lock, d, [this] { return m_stopping; });
}

ChainStatus ChainMonitor::status() const {
  ChainStatus s;
  {
    std::lock_guard lock(m_mutex);
    s = m_status;
  }
  // Judged at read time, so health sees the silence grow between polls.
  s.last_answer = m_eth.rpc().last_answer();
  const SystemTime since = std::max(s.last_answer.value_or(m_started), m_started);
  s.silent_for = std::max(std::chrono::seconds(0), std::chrono::duration_cast<std::chrono::seconds>(m_clock.now() - since));
  s.down = s.silent_for > m_settings.chain_down_after;
  return s;
}

bool ChainMonitor::ready() const {
  std::lock_guard lock(m_mutex);
  return m_status.chain_id.has_value() && m_status.state != ChainState::refused;
}

void ChainMonitor::poll_once() {
  bool checked = false;
  {
    std::lock_guard lock(m_mutex);
    if (m_status.state == ChainState::refused) return;
    checked = m_status.chain_id.has_value();
  }
  const auto log = [&](LogLevel level, const std::string& message) {
    if (m_hooks.log) m_hooks.log(level, message);
  };
  if (!checked) {
    try {
      const std::uint64_t id = m_eth.chain_id();
      std::lock_guard lock(m_mutex);
      if (id != m_settings.chain_id) {
        m_status.state = ChainState::refused;
        m_status.detail = fmt::format("the node reports chain id {} but CHAIN_ID is {}; no swap will be signed", id, m_settings.chain_id);
        log(LogLevel::error, m_status.detail);
        return;
      }
      m_status.chain_id = id;
      m_status.state = ChainState::ok;
      m_status.detail.clear();
      log(LogLevel::info, fmt::format("Chain connected: chain id {}", id));
    } catch (const std::exception& e) {
      std::lock_guard lock(m_mutex);
      m_status.state = ChainState::unavailable;
      m_status.detail = e.what();
      log(LogLevel::warn, fmt::format("Chain not reachable yet: {}", e.what()));
      return;
    }
  }
  try {
    const json block = m_eth.rpc().call("eth_getBlockByNumber", json::array({"latest", false}));
    if (!block.is_object()) throw Error(ErrorKind::data, "eth_getBlockByNumber returned no block");
    const auto number = chain::parse_quantity_u64(block.value("number", "0x0"));
    const auto timestamp = chain::parse_quantity_u64(block.value("timestamp", "0x0"));
    std::lock_guard lock(m_mutex);
    m_status.block_number = number;
    m_status.block_timestamp = static_cast<std::int64_t>(timestamp);
    m_status.checked_at = m_clock.now();
    if (m_status.state == ChainState::unavailable) {
      m_status.state = ChainState::ok;
      m_status.detail.clear();
    }
  } catch (const std::exception& e) {
    std::lock_guard lock(m_mutex);
    m_status.state = ChainState::unavailable;
    m_status.detail = e.what();
  }
  if (std::chrono::steady_clock::now() - m_last_prices >= m_settings.price_cache.ttl) {
    m_last_prices = std::chrono::steady_clock::now();
    try {
      for (const PairPrice& p : m_prices.refresh_expired()) {
        if (m_hooks.on_price) m_hooks.on_price(p);
      }
    } catch (const std::exception& e) {
      log(LogLevel::warn, fmt::format("Price cache refresh failed: {}", e.what()));
    }
  }
}

void ChainMonitor::run() {
  do {
    poll_once();
    if (m_on_turn) {
      try {
        m_on_turn();
      } catch (const std::exception& e) {
        if (m_hooks.log) m_hooks.log(LogLevel::warn, fmt::format("Trade engine refresh failed: {}", e.what()));
      }
    }
    bool checked = false;
    {
      std::lock_guard lock(m_mutex);
      checked = m_status.chain_id.has_value() || m_status.state == ChainState::refused;
    }
    // Until the chain id is checked, retry sooner than the regular interval.
    if (!wait(checked ? m_settings.monitor_interval : std::min(m_settings.monitor_interval, std::chrono::milliseconds(1000)))) return;
  } while (true);
}

}  // namespace bscbot::core::trade
