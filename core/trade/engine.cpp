#include "core/trade/engine.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "core/db/retry.hpp"
#include "core/error.hpp"
#include "core/util/random.hpp"

namespace bscbot::core::trade {

namespace {

chain::RpcOptions with_observer(chain::RpcOptions options, const EngineHooks& hooks, std::string_view role) {
  if (hooks.on_rpc) {
    options.observer = [on_rpc = hooks.on_rpc, role = std::string(role)](const chain::RpcAttempt& a) { on_rpc(role, a); };
  }
  return options;
}

std::shared_ptr<chain::RpcTransport> transport_for(std::shared_ptr<chain::RpcTransport> given, const EngineSettings& settings) {
  if (given) return given;
  return chain::make_curl_transport(chain::TransportOptions{settings.rpc_connect_timeout});
}

std::unique_ptr<chain::RpcClient> private_client(const EngineSettings& settings, const EngineHooks& hooks,
                                                 std::shared_ptr<chain::RpcTransport> transport, const Clock& clock) {
  if (settings.private_rpc_urls.empty()) return nullptr;
  return std::make_unique<chain::RpcClient>(settings.private_rpc_urls, with_observer(settings.rpc, hooks, "private"), std::move(transport), clock);
}

}  // namespace

std::string default_owner() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return fmt::format("{}:{}:{}", host[0] ? host : "localhost", ::getpid(), random_hex(4));
}

TradeEngine::TradeEngine(EngineSettings settings, db::Store& store, std::vector<chain::PrivateKey> keys, EngineHooks hooks,
                         std::shared_ptr<chain::RpcTransport> transport, const Clock& clock, std::string owner)
    : m_settings(std::move(settings)),
      m_store(store),
      m_hooks(std::move(hooks)),
      m_clock(clock),
      m_transport(transport_for(std::move(transport), m_settings)),
      m_public(m_settings.rpc_urls, with_observer(m_settings.rpc, m_hooks, "public"), m_transport, clock),
      m_public_eth(m_public),
      m_private(private_client(m_settings, m_hooks, m_transport, clock)),
      m_private_eth(m_private ? std::make_unique<chain::Eth>(*m_private) : nullptr),
      m_prices(
          m_settings.price_cache, [this](const chain::Address& a, const chain::Address& b) { return m_quoter.pancake().get_pair(a, b); },
          [this](const chain::Address& pair) { return m_quoter.pancake().get_reserves(pair); }, clock,
          [this](bool hit, bool stale, const std::string& what) {
            if (m_hooks.on_price_lookup) m_hooks.on_price_lookup(hit, stale, what);
          }),
      m_quoter(m_settings, m_public_eth, m_prices, m_hooks.on_price),
      m_settlement(m_settings, m_public_eth, store, m_hooks.log),
      m_monitor(m_settings, m_public_eth, m_prices, clock, m_hooks),
      // Signed transactions go to the private endpoints alone when there are any.
      m_context{m_settings, store, m_public_eth, m_private_eth ? *m_private_eth : m_public_eth, m_private_eth != nullptr, m_quoter, m_settlement,
                clock, m_hooks, std::move(owner), [this] { return m_monitor.ready(); }, m_publish_gate} {
  for (chain::PrivateKey& key : keys) {
    const chain::Address address = key.address();
    if (std::any_of(m_lanes.begin(), m_lanes.end(), [&](const auto& l) { return l->address() == address; })) {
      throw Error(ErrorKind::config, fmt::format("trading wallet {} is configured twice", address.to_checksum()));
    }
    m_lanes.push_back(std::make_unique<WalletLane>(m_context, std::move(key)));
  }
}

TradeEngine::~TradeEngine() { stop(); }

void TradeEngine::log(LogLevel level, const std::string& message) const {
  if (m_hooks.log) m_hooks.log(level, message);
}

void TradeEngine::start() {
  m_monitor.start([this] { refresh_counts(); });
  for (auto& lane : m_lanes) lane->start();
}

void TradeEngine::stop() {
  for (auto& lane : m_lanes) lane->stop();
  m_monitor.stop();
}

std::vector<chain::Address> TradeEngine::wallets() const {
  std::vector<chain::Address> out;
  for (const auto& lane : m_lanes) out.push_back(lane->address());
  return out;
}

WalletLane* TradeEngine::lane_of(const std::string& wallet) {
  for (auto& lane : m_lanes) {
    if (lane->address().to_hex() == db::trade_rules::lower(wallet)) return lane.get();
  }
  return nullptr;
}

void TradeEngine::wake(const std::string& wallet) {
  if (WalletLane* lane = lane_of(wallet)) lane->wake();
}

void TradeEngine::refresh_counts() {
  std::map<std::string, std::int64_t> unsent;
  const auto pending = m_store.lanes().pending_by_wallet();
  std::int64_t total = 0;
  for (const auto& [wallet, n] : pending) total += n;
  for (const auto& lane : m_lanes) {
    const WalletStatus s = lane->status();
    total -= s.in_flight;
  }
  auto leases = m_store.lanes().leases();
  {
    std::lock_guard lock(m_mutex);
    m_queue_length = static_cast<int>(std::max<std::int64_t>(0, total));
    m_leases = std::move(leases);
  }
  if (m_hooks.on_queue_length) m_hooks.on_queue_length(static_cast<int>(std::max<std::int64_t>(0, total)));
}

EngineStatus TradeEngine::status() const {
  EngineStatus s;
  s.chain = m_monitor.status();
  s.endpoints = m_public.endpoints();
  if (m_private) s.private_endpoints = m_private->endpoints();
  for (const auto& lane : m_lanes) {
    s.wallets.push_back(lane->status());
    if (s.wallets.back().last_quote_to_send_ms) s.last_quote_to_send_ms = s.wallets.back().last_quote_to_send_ms;
  }
  {
    std::lock_guard lock(m_mutex);
    s.queue_length = m_queue_length;
    s.leases = m_leases;
  }
  if (m_lanes.empty()) {
    s.refusal = "no trading key is configured (TRADING_KEY_FILE, TRADING_KEY_FILES or TRADING_KEY_DIR); this daemon only quotes";
  } else if (s.chain.state == ChainState::refused) {
    s.refusal = s.chain.detail;
  } else if (s.chain.down) {
    s.refusal = fmt::format("chain down: no JSON-RPC endpoint has answered for {} s", s.chain.silent_for.count());
  } else if (!s.chain.chain_id) {
    s.refusal = "the node's chain id is not checked yet: " + s.chain.detail;
  }
  s.accepting_swaps = s.refusal.empty();
  return s;
}

std::pair<U256, U256> TradeEngine::gas_price() { return m_quoter.gas_price(); }

TokenInfo TradeEngine::token_info(const chain::Address& token) { return m_quoter.token_info(token); }

PriceLookup TradeEngine::pair_price(const chain::Address& a, const chain::Address& b) { return m_prices.lookup(a, b); }

U256 TradeEngine::balance(const chain::Address& wallet) { return m_quoter.eth().get_balance(wallet, chain::BlockTag::latest); }

Quote TradeEngine::quote(const SwapRequest& request, CheckWallet check) {
  const SwapOrder order = m_quoter.validate(request);
  std::optional<chain::Address> wallet;
  if (check == CheckWallet::yes) {
    if (m_lanes.empty()) throw Error(ErrorKind::unavailable, "no trading key is configured (TRADING_KEY_FILE), so there is no wallet to check");
    wallet = order.wallet ? *order.wallet : m_lanes.front()->address();
    if (!lane_of(wallet->to_hex())) {
      throw Error(ErrorKind::usage, fmt::format("wallet {} is not one of this daemon's trading wallets", wallet->to_checksum()));
    }
  }
  return m_quoter.quote(order, wallet);
}

chain::Address TradeEngine::choose_wallet(const SwapOrder& order) {
  if (order.wallet) {
    if (!lane_of(order.wallet->to_hex())) {
      std::string known;
      for (const auto& lane : m_lanes) known += (known.empty() ? "" : ", ") + lane->address().to_checksum();
      throw Error(ErrorKind::usage, fmt::format("wallet {} is not one of this daemon's trading wallets ({})", order.wallet->to_checksum(), known));
    }
    return *order.wallet;
  }
  if (m_lanes.size() == 1) return m_lanes.front()->address();
  // The least busy: fewest trades pending, counted in the database so swaps any daemon queued
  // count too; ties go to the first configured.
  const auto pending = m_store.lanes().pending_by_wallet();
  const WalletLane* best = nullptr;
  std::int64_t fewest = 0;
  for (const auto& lane : m_lanes) {
    const auto it = pending.find(lane->address().to_hex());
    const std::int64_t n = it == pending.end() ? 0 : it->second;
    if (!best || n < fewest) {
      best = lane.get();
      fewest = n;
    }
  }
  return best->address();
}

db::Trade TradeEngine::submit(const SwapRequest& request) {
  EngineStatus s = status();
  // Just after start the node's chain id may not be checked yet: a swap waits for that first
  // answer (one RPC timeout at most) rather than being refused.
  const auto until = std::chrono::steady_clock::now() + m_settings.rpc.timeout;
  while (!s.accepting_swaps && !m_lanes.empty() && s.chain.state != ChainState::refused && !s.chain.down && !s.chain.chain_id &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    s = status();
  }
  if (!s.accepting_swaps) throw Error(ErrorKind::unavailable, "swaps are refused: " + s.refusal);
  if (s.queue_length >= m_settings.queue_max) {
    throw Error(ErrorKind::unavailable, fmt::format("the trade queue is full (TRADE_QUEUE_MAX={}); retry later", m_settings.queue_max));
  }
  const SwapOrder order = m_quoter.validate(request);
  const chain::Address wallet = choose_wallet(order);
  db::NewTrade t;
  t.wallet_address = wallet.to_hex();
  t.token_in = order.from.address.to_hex();
  t.token_out = order.to.address.to_hex();
  t.amount_in = Wei(order.amount_in);
  t.slippage_bps = order.slippage_bps;
  t.deadline_seconds = order.deadline_seconds;
  t.chain_id = static_cast<std::int64_t>(m_settings.chain_id);
  if (order.amount_out_min) t.amount_out_min = Wei(*order.amount_out_min);
  // A database locked for a few seconds delays the answer; it does not fail the swap.
  db::RetryPolicy insert;
  insert.idempotent = db::Idempotent::no;
  insert.give_up_after = std::chrono::seconds(25);
  insert.on_retry = [this](const Error& e, int attempt) {
    if (attempt == 1) log(LogLevel::warn, fmt::format("Queueing a swap: database write failed ({}); retrying", e.what()));
  };
  // The sender may claim the row as soon as it is inserted: its updates wait at the gate until
  // "queued" is out, so subscribers see every trade's states in order.
  std::unique_lock gate(m_publish_gate);
  const std::int64_t id = db::retry_write(insert, [&] { return m_store.trades().insert(t); });
  db::RetryPolicy read;
  read.give_up_after = std::chrono::seconds(25);
  const db::Trade row = *db::retry_write(read, [&] { return m_store.trades().find(id); });
  if (m_hooks.on_trade) m_hooks.on_trade(row);
  gate.unlock();
  log(LogLevel::info, fmt::format("Trade {} queued for wallet {}: {} wei of {} for {} (slippage {} bps, deadline {} s)", id, wallet.to_checksum(),
                                  t.amount_in.decimal(), token_label(order.from), token_label(order.to), order.slippage_bps,
                                  order.deadline_seconds));
  {
    std::lock_guard lock(m_mutex);
    ++m_queue_length;
  }
  if (m_hooks.on_queue_length) m_hooks.on_queue_length(s.queue_length + 1);
  wake(row.wallet_address);
  return row;
}

CancelResult TradeEngine::cancel(std::int64_t id) {
  auto& trades = m_store.trades();
  auto& lanes = m_store.lanes();
  auto row = trades.find(id);
  if (!row) throw Error(ErrorKind::not_found, fmt::format("no trade with id {}", id));
  if (row->status != db::TradeStatus::pending) throw Error(ErrorKind::conflict, fmt::format("trade {} is already {}", id, db::to_string(row->status)));
  CancelResult result;
  if (!row->tx_hash && lanes.cancel_queued(id, Failure{FailureReason::cancelled, "by operator before it was sent"}.text())) {
    log(LogLevel::warn, fmt::format("Trade {} cancelled by operator before it was sent", id));
    std::lock_guard gate(m_publish_gate);
    result.trade = *trades.find(id);
    result.cancelled = true;
    if (m_hooks.on_trade) m_hooks.on_trade(result.trade);
    return result;
  }
  // Claimed or sent: only the wallet's sender can act, wherever it runs.
  if (!lanes.request(id, db::OperatorRequest::cancel)) {
    row = trades.find(id);
    throw Error(ErrorKind::conflict, fmt::format("trade {} is already {}", id, row ? db::to_string(row->status) : "gone"));
  }
  log(LogLevel::warn, fmt::format("Trade {}: cancel requested{}", id, row->tx_hash ? " (tx " + *row->tx_hash + " is in flight)" : ""));
  wake(row->wallet_address);
  result.trade = *trades.find(id);
  result.requested = true;
  return result;
}

db::Trade TradeEngine::speed_up(std::int64_t id) {
  auto& trades = m_store.trades();
  const auto row = trades.find(id);
  if (!row) throw Error(ErrorKind::not_found, fmt::format("no trade with id {}", id));
  if (row->status != db::TradeStatus::pending) throw Error(ErrorKind::conflict, fmt::format("trade {} is already {}", id, db::to_string(row->status)));
  if (!row->tx_hash) {
    throw Error(ErrorKind::conflict, fmt::format("trade {} is not sent yet; it will be sent at the current gas price", id));
  }
  if (!m_store.lanes().request(id, db::OperatorRequest::speed_up)) {
    throw Error(ErrorKind::conflict, fmt::format("trade {} is no longer pending", id));
  }
  log(LogLevel::info, fmt::format("Trade {}: speed-up requested (tx {})", id, *row->tx_hash));
  wake(row->wallet_address);
  return *trades.find(id);
}

}  // namespace bscbot::core::trade
