#include "core/trade/wallet_lane.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/chain/transaction.hpp"
#include "core/db/retry.hpp"
#include "core/error.hpp"
#include "core/trade/math.hpp"
#include "core/trade/order.hpp"
#include "core/trade/outcome.hpp"

namespace bscbot::core::trade {

using nlohmann::json;

namespace {

constexpr std::uint64_t k_transfer_gas = 21000;
constexpr std::uint64_t k_approve_gas_fallback = 100000;
// Polls that must see the chain past a nonce, with no receipt for any of ours there, before it
// counts as taken by someone else (a load-balanced node may answer from a lagging backend).
constexpr int k_past_chain_polls = 3;

double seconds_between(SystemTime a, SystemTime b) { return std::chrono::duration<double>(b - a).count(); }

}  // namespace

WalletLane::WalletLane(LaneContext& ctx, chain::PrivateKey key)
    : m_ctx(ctx),
      m_key(std::move(key)),
      m_address(m_key.address()),
      m_broadcaster(m_key, ctx.settings.chain_id, ctx.send, ctx.private_sends, ctx.store.lanes(), m_nonces,
                    [this](LogLevel level, const std::string& message) { log(level, message); }) {
  m_status.address = m_address.to_checksum();
}

WalletLane::~WalletLane() { stop(); }

void WalletLane::log(LogLevel level, const std::string& message) const {
  if (m_ctx.hooks.log) m_ctx.hooks.log(level, message);
}

void WalletLane::start() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = false;
  }
  m_thread = std::thread([this] { run(); });
}

void WalletLane::stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_cv.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

void WalletLane::wake() {
  {
    std::lock_guard lock(m_mutex);
    m_woken = true;
  }
  m_cv.notify_all();
}

bool WalletLane::stopping() const {
  std::lock_guard lock(m_mutex);
  return m_stopping;
}

WalletStatus WalletLane::status() const {
  std::lock_guard lock(m_mutex);
  return m_status;
}

void WalletLane::run() {
  while (!stopping()) {
    try {
      turn();
    } catch (const std::exception& e) {
      log(LogLevel::warn, fmt::format("Wallet {}: {}", m_address.to_checksum(), e.what()));
      std::lock_guard lock(m_mutex);
      m_status.last_error = e.what();
    }
    std::unique_lock lock(m_mutex);
    m_cv.wait_for(lock, m_ctx.settings.receipt_poll, [this] { return m_stopping || m_woken; });
    m_woken = false;
  }
  // A clean stop hands the wallet over at once instead of after WALLET_LEASE_TTL_S.
  if (m_fence) {
    try {
      m_ctx.store.lanes().release(*m_fence);
    } catch (const std::exception& e) {
      log(LogLevel::warn, fmt::format("Wallet {}: cannot release its lease: {}", m_address.to_checksum(), e.what()));
    }
    m_fence.reset();
  }
}

void WalletLane::turn() {
  if (!m_ctx.chain_ready()) return;
  const bool holding = hold_lease();
  if (holding) {
    m_turn_gas_price.reset();
    poll_receipts();
    if (m_fence) handle_requests();
    if (m_fence) handle_stuck();
    if (m_fence) fill();
  }
  const SystemTime now = m_ctx.clock.now();
  std::lock_guard lock(m_mutex);
  m_status.sending = m_fence.has_value();
  m_status.epoch = m_fence ? std::optional<std::int64_t>(m_fence->epoch) : std::nullopt;
  m_status.next_nonce = m_nonces.started() ? std::optional<std::uint64_t>(m_nonces.next()) : std::nullopt;
  m_status.in_flight = static_cast<int>(m_slots.size());
  m_status.claimed = static_cast<int>(m_claimed.size());
  m_status.stuck = 0;
  m_status.oldest_in_flight_s.reset();
  for (const auto& [nonce, slot] : m_slots) {
    const double age = seconds_between(slot.first_sent, now);
    if (age > static_cast<double>(m_ctx.settings.stuck_after.count())) ++m_status.stuck;
    m_status.oldest_in_flight_s = std::max(m_status.oldest_in_flight_s.value_or(0.0), age);
  }
  if (holding) m_status.last_error.clear();
}

// --- the lease ---

bool WalletLane::hold_lease() {
  auto& lanes = m_ctx.store.lanes();
  const auto now = std::chrono::steady_clock::now();
  const auto ttl = m_ctx.settings.lease_ttl;
  const auto every = std::min<std::chrono::steady_clock::duration>(std::chrono::seconds(1), ttl / 3);
  if (!m_fence) {
    if (now - m_lease_tried_at < every) return false;
    m_lease_tried_at = now;
    std::optional<db::Fence> fence;
    try {
      fence = lanes.acquire(m_address.to_hex(), m_ctx.owner, ttl);
    } catch (const Error& e) {
      std::lock_guard lock(m_mutex);
      m_status.last_error = fmt::format("cannot take the wallet's lease: {}", e.what());
      return false;
    }
    if (!fence) {
      std::lock_guard lock(m_mutex);
      m_status.last_error.clear();
      return false;  // another daemon sends for it
    }
    m_fence = fence;
    m_renewed_at = now;
    m_reconciled = false;
    log(LogLevel::info, fmt::format("Wallet {}: this daemon now sends for it (lease epoch {})", m_address.to_checksum(), fence->epoch));
  } else if (now - m_renewed_at >= ttl / 3) {
    bool held = true;
    try {
      held = lanes.renew(*m_fence);
      if (held) m_renewed_at = now;
    } catch (const Error& e) {
      // Unknown: keep going. A takeover raises the epoch, after which every write here is refused.
      log(LogLevel::warn, fmt::format("Wallet {}: cannot renew its lease: {}", m_address.to_checksum(), e.what()));
    }
    if (!held) {
      lose_lease("its lease was taken over or its lease session ended");
      return false;
    }
  }
  if (!m_reconciled) reconcile();
  return true;
}

void WalletLane::lose_lease(const std::string& why) {
  log(LogLevel::warn, fmt::format("Wallet {}: no longer sending for it: {}; {} transaction(s) in flight are left to the new sender",
                                  m_address.to_checksum(), why, m_slots.size()));
  m_fence.reset();
  m_slots.clear();
  m_claimed.clear();
  m_gaps.clear();
  m_nonces.reset();
  m_reconciled = false;
  m_awaiting_approval = false;
}

// --- reconciliation: what the last sender left, from the records and the chain ---

void WalletLane::reconcile() {
  auto& lanes = m_ctx.store.lanes();
  auto& trades = m_ctx.store.trades();
  const std::string wallet = m_address.to_hex();
  m_slots.clear();
  m_claimed.clear();
  m_gaps.clear();
  m_awaiting_approval = false;
  m_nonces.reset();

  // Swaps an older bscbot sent before transactions were recorded: their hash is all there is.
  std::vector<db::Trade> pending;
  for (db::Trade& t : trades.pending()) {
    if (t.wallet_address == wallet) pending.push_back(std::move(t));
  }
  for (const db::Trade& t : pending) {
    if (!t.tx_hash || !t.nonce || !lanes.transactions(t.id).empty()) continue;
    lanes.record_tx(*m_fence, db::TxRecord{t.id, db::TxKind::swap, *t.nonce, *t.tx_hash, t.gas_price.value_or(Wei()), ""});
  }

  const SystemTime now = m_ctx.clock.now();
  for (db::TradeTx& tx : lanes.unsettled(wallet)) {
    Slot& slot = m_slots[static_cast<std::uint64_t>(tx.nonce)];
    if (slot.txs.empty()) {
      slot.nonce = static_cast<std::uint64_t>(tx.nonce);
      slot.kind = tx.kind;
      slot.first_sent = tx.created_at;
    }
    if (!slot.trade_id) slot.trade_id = tx.trade_id;
    if (tx.kind == db::TxKind::cancel) slot.cancel_sent = true;
    slot.last_sent = now;
    slot.txs.push_back(std::move(tx));
  }
  const std::uint64_t latest = m_ctx.read.get_transaction_count(m_address, chain::BlockTag::latest);
  const std::uint64_t in_pool = m_ctx.read.get_transaction_count(m_address, chain::BlockTag::pending);

  if (!m_slots.empty()) {
    // Every hash's receipt and whether the node knows it, in one batch each.
    std::vector<chain::RpcRequest> receipts, lookups;
    std::vector<std::pair<std::uint64_t, std::size_t>> which;
    for (const auto& [nonce, slot] : m_slots) {
      for (std::size_t i = 0; i < slot.txs.size(); ++i) {
        receipts.push_back({"eth_getTransactionReceipt", json::array({slot.txs[i].tx_hash})});
        lookups.push_back({"eth_getTransactionByHash", json::array({slot.txs[i].tx_hash})});
        which.emplace_back(nonce, i);
      }
    }
    const auto got = m_ctx.read.rpc().batch_responses(receipts);
    const auto known = m_ctx.read.rpc().batch_responses(lookups);
    std::map<std::uint64_t, std::pair<std::size_t, chain::Receipt>> mined;
    std::set<std::uint64_t> seen_by_node;
    for (std::size_t k = 0; k < which.size(); ++k) {
      if (!got[k].error && !got[k].result.is_null() && !mined.contains(which[k].first)) {
        mined.emplace(which[k].first, std::make_pair(which[k].second, chain::parse_receipt(got[k].result)));
      }
      if (!known[k].error && !known[k].result.is_null()) seen_by_node.insert(which[k].first);
    }
    std::vector<std::uint64_t> nonces;
    for (const auto& [nonce, slot] : m_slots) nonces.push_back(nonce);
    for (const std::uint64_t nonce : nonces) {
      auto it = m_slots.find(nonce);
      if (it == m_slots.end() || !m_fence) return;
      Slot& slot = it->second;
      if (auto m = mined.find(nonce); m != mined.end()) {
        log(LogLevel::info, fmt::format("Wallet {}: reconciling tx {} from its receipt (block {})", m_address.to_checksum(),
                                        slot.txs[m->second.first].tx_hash, m->second.second.block_number));
        const db::TradeTx tx = slot.txs[m->second.first];
        settle(slot, tx, m->second.second);
        continue;
      }
      if (nonce < latest) {
        drop(slot, fmt::format("nonce {} was used by a transaction bscbot did not record", nonce));
        continue;
      }
      if (seen_by_node.contains(nonce) && !m_ctx.private_sends) {
        log(LogLevel::info, fmt::format("Wallet {}: tx {} (nonce {}) is still in the node's pool; following it", m_address.to_checksum(),
                                        slot.txs.back().tx_hash, nonce));
        continue;
      }
      // Unknown to the node: recorded and never sent (a crash in between), or dropped from the
      // pool. Its signed bytes go out again, unless its deadline has passed.
      if (slot.trade_id && slot.kind == db::TxKind::swap) {
        const auto trade = trades.find(*slot.trade_id);
        const auto unix_now = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
        if (trade && trade->deadline && *trade->deadline <= unix_now + 5 && !slot.cancel_sent) {
          drop(slot, "its deadline passed before it reached the chain");
          continue;
        }
      }
      const Rebroadcast rb = m_broadcaster.rebroadcast(slot.txs.back());
      if (rb.status == Rebroadcast::Status::refused) {
        drop(slot, fmt::format("not mined and unknown to the node; sending it again was refused ({})", rb.detail));
        continue;
      }
      log(LogLevel::info, fmt::format("Wallet {}: tx {} (nonce {}) sent again after a restart: {}", m_address.to_checksum(),
                                      slot.txs.back().tx_hash, nonce, rb.detail));
    }
  }

  // Pending trades with a hash and nothing left in flight: a crash came between a refusal or a
  // drop and the trade's own write.
  for (const db::Trade& t : pending) {
    if (!t.tx_hash || slot_of_trade(t.id)) continue;
    const auto txs = lanes.transactions(t.id);
    const bool any_dropped = std::any_of(txs.begin(), txs.end(), [](const db::TradeTx& x) { return x.state == db::TxState::dropped; });
    if (std::any_of(txs.begin(), txs.end(), [](const db::TradeTx& x) { return x.state == db::TxState::sent || x.state == db::TxState::mined; })) {
      continue;
    }
    if (any_dropped) {
      db::TradeOutcome o;
      o.id = t.id;
      o.status = db::TradeStatus::failed;
      o.error = Failure{FailureReason::dropped, "not mined and unknown to the node after a restart"}.text();
      m_ctx.settlement.apply(*m_fence, db::NonceOutcome{t.nonce.value_or(0), std::nullopt, std::nullopt, o}, [this] { return stopping(); });
    } else {
      fail_unsent(t.id, Failure{FailureReason::not_sent, "the node refused it before the daemon restarted"});
    }
    publish(t.id);
  }

  std::set<std::uint64_t> live;
  for (const auto& [nonce, slot] : m_slots) live.insert(nonce);
  const NoncePlan plan = plan_nonces(latest, in_pool, live);
  m_nonces.start(plan.next);
  for (const std::uint64_t gap : plan.gaps) fill_gap(gap);
  m_reconciled = true;
  log(LogLevel::info, fmt::format("Wallet {}: next nonce {} (chain: {} mined, {} with its pool); {} transaction(s) in flight, {} gap(s) filled",
                                  m_address.to_checksum(), plan.next, latest, in_pool, m_slots.size(), plan.gaps.size()));
}

// --- operator requests ---

WalletLane::Slot* WalletLane::slot_of_trade(std::int64_t trade_id) {
  for (auto& [nonce, slot] : m_slots) {
    if (slot.trade_id == trade_id && slot.kind == db::TxKind::swap) return &slot;
  }
  return nullptr;
}

void WalletLane::handle_requests() {
  auto& lanes = m_ctx.store.lanes();
  for (const auto& entry : lanes.requests(m_address.to_hex())) {
    // Named copies, not structured bindings: clang 14 cannot capture a binding in a lambda.
    const std::int64_t id = entry.first;
    const db::OperatorRequest request = entry.second;
    if (!m_fence) return;
    Slot* slot = slot_of_trade(id);
    const auto claimed = std::find_if(m_claimed.begin(), m_claimed.end(), [&](const db::Trade& t) { return t.id == id; });
    if (request == db::OperatorRequest::cancel) {
      if (slot) {
        cancel(*slot);
      } else if (claimed != m_claimed.end()) {
        m_claimed.erase(claimed);
        fail_unsent(id, Failure{FailureReason::cancelled, "by operator before it was sent"});
        publish(id);
        continue;
      } else if (lanes.cancel_queued(id, Failure{FailureReason::cancelled, "by operator before it was sent"}.text())) {
        publish(id);
        continue;
      }
    } else if (slot) {
      replace(*slot, "speed-up asked by the operator");
    }
    if (m_fence) lanes.clear_request(*m_fence, id);
  }
}

// --- sending ---

U256 WalletLane::swap_gas_price() {
  if (!m_turn_gas_price) {
    const auto [node, swap] = m_ctx.quoter.gas_price();
    if (swap > m_ctx.settings.gas_price_max) {
      log(LogLevel::warn, fmt::format("Gas price {} wei (node {} wei x GAS_PRICE_MULTIPLIER) is above GAS_PRICE_MAX_GWEI; paying {} wei",
                                      to_decimal(swap), to_decimal(node), to_decimal(m_ctx.settings.gas_price_max)));
    }
    m_turn_gas_price = std::min(swap, m_ctx.settings.gas_price_max);
  }
  return *m_turn_gas_price;
}

void WalletLane::add_slot(const SendOutcome& sent, const TxIntent& intent) {
  db::TradeTx tx = sent.record();
  tx.wallet = m_address.to_hex();
  tx.trade_id = intent.trade_id;
  tx.kind = intent.kind;
  tx.epoch = m_fence ? m_fence->epoch : 0;
  tx.created_at = m_ctx.clock.now();
  Slot& slot = m_slots[sent.nonce];
  if (slot.txs.empty()) {
    slot.nonce = sent.nonce;
    slot.kind = intent.kind;
    slot.trade_id = intent.trade_id;
    slot.first_sent = tx.created_at;
  }
  slot.last_sent = tx.created_at;
  slot.txs.push_back(std::move(tx));
}

void WalletLane::fail_unsent(std::int64_t trade_id, const Failure& failure) {
  if (!m_fence) return;
  if (m_ctx.settlement.fail_unsent(*m_fence, trade_id, failure, [this] { return stopping(); })) {
    log(LogLevel::warn, fmt::format("Trade {} failed: {}", trade_id, failure.text()));
  }
  publish(trade_id);
}

void WalletLane::publish(std::int64_t trade_id) {
  if (!m_ctx.hooks.on_trade) return;
  try {
    std::lock_guard gate(m_ctx.publish_gate);
    if (auto t = m_ctx.store.trades().find(trade_id)) m_ctx.hooks.on_trade(*t);
  } catch (const std::exception& e) {
    log(LogLevel::warn, fmt::format("Trade {}: cannot publish its update: {}", trade_id, e.what()));
  }
}

void WalletLane::fill() {
  if (!m_nonces.started() || !m_fence) return;
  const std::vector<std::uint64_t> gaps = std::move(m_gaps);
  m_gaps.clear();
  for (const std::uint64_t gap : gaps) fill_gap(gap);
  while (m_fence && !stopping() && static_cast<int>(m_slots.size()) < m_ctx.settings.max_in_flight) {
    if (m_awaiting_approval) {
      // The approval (and what was in flight before it) must be mined first.
      if (!m_slots.empty()) break;
      m_awaiting_approval = false;
    }
    if (m_claimed.empty()) {
      const int room = m_ctx.settings.max_in_flight - static_cast<int>(m_slots.size());
      for (db::Trade& t : m_ctx.store.lanes().claim(*m_fence, room)) m_claimed.push_back(std::move(t));
      if (m_claimed.empty()) break;
    }
    const db::Trade row = m_claimed.front();
    const Sent result = send_swap(row);
    if (result != Sent::done) break;
    if (!m_claimed.empty() && m_claimed.front().id == row.id) m_claimed.pop_front();
  }
}

WalletLane::Sent WalletLane::send_swap(const db::Trade& row) {
  SwapOrder order;
  try {
    order = order_from_trade(row, m_ctx.settings);
  } catch (const Error& e) {
    fail_unsent(row.id, Failure{FailureReason::not_sent, e.what()});
    return Sent::done;
  }
  if (row.operator_request == std::optional<std::string>("cancel")) {
    fail_unsent(row.id, Failure{FailureReason::cancelled, "by operator before it was sent"});
    return Sent::done;
  }
  const auto& settings = m_ctx.settings;
  Pancake& pancake = m_ctx.quoter.pancake();
  try {
    const U256 gas_price = swap_gas_price();
    if (!order.from.native) {
      const U256 balance = pancake.balance_of(order.from.address, m_address);
      if (balance < order.amount_in) {
        throw TradeFailure(FailureReason::insufficient_balance, fmt::format("the wallet holds {} of {}, the swap needs {}", to_decimal(balance),
                                                                            order.from.address.to_hex(), to_decimal(order.amount_in)));
      }
      if (pancake.allowance(order.from.address, m_address, settings.contracts.router) < order.amount_in) {
        // An approval sets the allowance outright: it must not race swaps of ours already in flight.
        if (!m_slots.empty()) {
          m_awaiting_approval = true;
          return Sent::wait;
        }
        const chain::Bytes data = Pancake::approve_data(settings.contracts.router, order.amount_in);
        std::uint64_t gas_limit = k_approve_gas_fallback;
        try {
          gas_limit = gas_limit_with_margin(m_ctx.read.estimate_gas(
              json{{"from", m_address.to_hex()}, {"to", order.from.address.to_hex()}, {"data", chain::to_hex(data)}}));
        } catch (const chain::RpcError& e) {
          throw TradeFailure(FailureReason::not_sent, fmt::format("approving the router for {} would revert ({})", order.from.address.to_hex(),
                                                                  revert_reason(e).value_or(e.node_message())));
        }
        TxIntent approve{db::TxKind::approve, row.id, order.from.address, 0, data, gas_limit, gas_price, std::nullopt, std::nullopt};
        const SendOutcome out = m_broadcaster.send(*m_fence, approve);
        if (out.status == SendOutcome::Status::refused) {
          throw TradeFailure(FailureReason::not_sent, "approval refused: " + out.failure->detail);
        }
        if (out.status == SendOutcome::Status::not_recorded) return Sent::retry_later;
        add_slot(out, approve);
        m_awaiting_approval = true;
        log(LogLevel::info, fmt::format("Approving router {} for {} wei of {} (tx {}, nonce {}) before trade {}", settings.contracts.router.to_hex(),
                                        to_decimal(order.amount_in), order.from.address.to_hex(), chain::to_hex(out.signed_tx.hash), out.nonce,
                                        row.id));
        return Sent::wait;
      }
    }
    // Quote to send: the latency the operator cares about starts here.
    const auto quoted_at = std::chrono::steady_clock::now();
    const Plan p = m_ctx.quoter.plan(order);
    const SwapKind kind = order.from.native ? SwapKind::bnb_for_tokens : order.to.native ? SwapKind::tokens_for_bnb : SwapKind::tokens_for_tokens;
    const std::uint64_t deadline = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(m_ctx.clock.now().time_since_epoch()).count() + order.deadline_seconds);
    const chain::Bytes data = Pancake::swap_data(kind, order.amount_in, p.amount_out_min, p.path, m_address, deadline);
    const U256 value = order.from.native ? order.amount_in : U256(0);
    std::uint64_t gas_limit = settings.default_gas_limit;
    if (settings.estimate_gas) {
      try {
        gas_limit = gas_limit_with_margin(m_ctx.read.estimate_gas(json{{"from", m_address.to_hex()},
                                                                        {"to", settings.contracts.router.to_hex()},
                                                                        {"value", chain::to_quantity(value)},
                                                                        {"data", chain::to_hex(data)}}));
      } catch (const chain::RpcError& e) {
        if (!e.is_revert()) throw;
        throw TradeFailure(classify_revert(revert_reason(e)));
      }
    }
    const U256 bnb = m_ctx.read.get_balance(m_address, chain::BlockTag::pending);
    if (bnb < value + gas_fee(gas_limit, gas_price)) {
      throw TradeFailure(FailureReason::insufficient_balance, fmt::format("the wallet holds {} wei of BNB, the swap needs {} with gas",
                                                                          to_decimal(bnb), to_decimal(value + gas_fee(gas_limit, gas_price))));
    }
    db::SignedTrade record;
    record.quoted_amount_out = Wei(p.amount_out);
    record.amount_out_min = Wei(p.amount_out_min);
    record.slippage_bps = order.slippage_bps;
    record.deadline = static_cast<std::int64_t>(deadline);
    record.gas_limit = static_cast<std::int64_t>(gas_limit);
    record.chain_id = static_cast<std::int64_t>(settings.chain_id);
    record.path = join_path(p.path);
    TxIntent swap{db::TxKind::swap, row.id, settings.contracts.router, value, data, gas_limit, gas_price, std::nullopt, record};
    SendOutcome out = m_broadcaster.send(*m_fence, swap);
    if (out.status == SendOutcome::Status::refused && (out.nonce_too_low || out.underpriced)) {
      // Our nonce holds a transaction we did not send (the key is used elsewhere): start past
      // it and try once more.
      m_nonces.resync(m_ctx.read.get_transaction_count(m_address, chain::BlockTag::pending));
      log(LogLevel::warn, fmt::format("Trade {}: nonce {} is taken by a transaction bscbot did not send; trying nonce {}", row.id, out.nonce,
                                      m_nonces.next()));
      out = m_broadcaster.send(*m_fence, swap);
    }
    if (out.status == SendOutcome::Status::refused) throw TradeFailure(*out.failure);
    if (out.status == SendOutcome::Status::not_recorded) {
      const auto now_row = m_ctx.store.trades().find(row.id);
      if (now_row && now_row->status == db::TradeStatus::pending && now_row->operator_request == std::optional<std::string>("cancel")) {
        fail_unsent(row.id, Failure{FailureReason::cancelled, "by operator before it was sent"});
      }
      return Sent::done;
    }
    add_slot(out, swap);
    const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - quoted_at);
    {
      std::lock_guard lock(m_mutex);
      m_status.last_quote_to_send_ms = static_cast<double>(latency.count()) / 1000.0;
    }
    if (m_ctx.hooks.on_sent) m_ctx.hooks.on_sent(latency);
    log(LogLevel::info, fmt::format("Trade {} sent: tx {} nonce {} gas price {} limit {}, min out {}; quote-to-send {:.3f} ms{}{}", row.id,
                                    chain::to_hex(out.signed_tx.hash), out.nonce, to_decimal(gas_price), gas_limit, record.amount_out_min.decimal(),
                                    static_cast<double>(latency.count()) / 1000.0, m_ctx.private_sends ? " (private endpoint)" : "",
                                    out.note.empty() ? "" : "; " + out.note));
    publish(row.id);
    return Sent::done;
  } catch (const TradeFailure& f) {
    fail_unsent(row.id, f.failure());
    return Sent::done;
  } catch (const chain::RpcError& e) {
    fail_unsent(row.id, e.is_revert() ? classify_revert(revert_reason(e)) : Failure{FailureReason::not_sent, e.what()});
    return Sent::done;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::unavailable || e.kind() == ErrorKind::database) {
      // The node or the database is out for now: the swap waits at the head of the line.
      log(LogLevel::warn, fmt::format("Trade {}: cannot send it yet: {}", row.id, e.what()));
      std::lock_guard lock(m_mutex);
      m_status.last_error = e.what();
      return Sent::retry_later;
    }
    fail_unsent(row.id, Failure{FailureReason::not_sent, e.what()});
    return Sent::done;
  }
}

void WalletLane::fill_gap(std::uint64_t nonce) {
  if (!m_fence) return;
  TxIntent filler{db::TxKind::filler, std::nullopt, m_address, 0, {}, k_transfer_gas, swap_gas_price(), nonce, std::nullopt};
  const SendOutcome out = m_broadcaster.send(*m_fence, filler);
  if (out.status == SendOutcome::Status::sent) {
    add_slot(out, filler);
    {
      std::lock_guard lock(m_mutex);
      ++m_status.fillers;
    }
    log(LogLevel::warn, fmt::format("Wallet {}: nonce {} was left empty by a dropped transaction; filled with a 0-value self-transfer (tx {})",
                                    m_address.to_checksum(), nonce, chain::to_hex(out.signed_tx.hash)));
    return;
  }
  if (out.status == SendOutcome::Status::refused && out.nonce_too_low) return;  // something took it after all
  log(LogLevel::error, fmt::format("Wallet {}: cannot fill nonce {} yet ({}); later transactions wait for it", m_address.to_checksum(), nonce,
                                   out.failure ? out.failure->text() : out.note));
  m_gaps.push_back(nonce);
}

// --- receipts and settlement ---

void WalletLane::poll_receipts() {
  if (m_slots.empty()) return;
  std::vector<chain::RpcRequest> requests;
  std::vector<std::pair<std::uint64_t, std::size_t>> which;
  for (const auto& [nonce, slot] : m_slots) {
    for (std::size_t i = 0; i < slot.txs.size(); ++i) {
      requests.push_back({"eth_getTransactionReceipt", json::array({slot.txs[i].tx_hash})});
      which.emplace_back(nonce, i);
    }
  }
  requests.push_back({"eth_getTransactionCount", json::array({m_address.to_hex(), "latest"})});
  const auto answers = m_ctx.read.rpc().batch_responses(requests);
  const auto& count = answers.back();
  // 0 when the node did not say: no nonce is then taken as used by someone else.
  const std::uint64_t latest = count.error || !count.result.is_string() ? 0 : chain::parse_quantity_u64(count.result.get<std::string>());
  std::map<std::uint64_t, std::pair<std::size_t, chain::Receipt>> mined;
  for (std::size_t k = 0; k < which.size(); ++k) {
    if (answers[k].error || answers[k].result.is_null() || mined.contains(which[k].first)) continue;
    mined.emplace(which[k].first, std::make_pair(which[k].second, chain::parse_receipt(answers[k].result)));
  }
  std::vector<std::uint64_t> nonces;
  for (const auto& [nonce, slot] : m_slots) nonces.push_back(nonce);
  for (const std::uint64_t nonce : nonces) {
    auto it = m_slots.find(nonce);
    if (it == m_slots.end() || !m_fence) return;
    Slot& slot = it->second;
    if (auto m = mined.find(nonce); m != mined.end()) {
      const db::TradeTx tx = slot.txs[m->second.first];
      settle(slot, tx, m->second.second);
    } else if (nonce < latest && ++slot.past_chain >= k_past_chain_polls) {
      drop(slot, fmt::format("nonce {} was used by a transaction bscbot did not record (is the key used elsewhere?)", nonce));
    }
  }
}

void WalletLane::settle(Slot& slot, const db::TradeTx& mined, const chain::Receipt& receipt) {
  const std::uint64_t nonce = slot.nonce;
  const auto outcome = m_ctx.settlement.outcome(mined, receipt);
  const db::NonceOutcome settled{static_cast<std::int64_t>(nonce), mined.tx_hash, static_cast<std::int64_t>(receipt.block_number), outcome};
  if (!m_ctx.settlement.apply(*m_fence, settled, [this] { return stopping(); })) {
    lose_lease("its lease moved on while a receipt was being written");
    return;
  }
  const std::string who = mined.trade_id ? fmt::format("Trade {}", *mined.trade_id) : fmt::format("Wallet {}", m_address.to_checksum());
  if (outcome && outcome->status == db::TradeStatus::completed) {
    log(LogLevel::info, fmt::format("{} completed: {} wei out in block {}, gas {} ({} wei), tx {}{}", who, outcome->amount_out->decimal(),
                                    receipt.block_number, receipt.gas_used, outcome->receipt->gas_fee.decimal(), mined.tx_hash,
                                    slot.txs.size() > 1 ? fmt::format(" (the last of {} sent at nonce {})", slot.txs.size(), nonce) : ""));
  } else if (outcome) {
    log(LogLevel::warn, fmt::format("{} failed: {}", who, outcome->error.value_or("")));
  } else {
    log(LogLevel::info, fmt::format("{}: {} tx {} mined in block {} (nonce {})", who, to_string(mined.kind), mined.tx_hash, receipt.block_number,
                                    nonce));
  }
  if (mined.kind == db::TxKind::approve) {
    m_awaiting_approval = false;
    if (outcome) {
      const auto it = std::find_if(m_claimed.begin(), m_claimed.end(), [&](const db::Trade& t) { return t.id == outcome->id; });
      if (it != m_claimed.end()) m_claimed.erase(it);
    }
  }
  if (mined.trade_id) publish(*mined.trade_id);
  m_slots.erase(nonce);
}

void WalletLane::drop(Slot& slot, const std::string& detail) {
  const std::uint64_t nonce = slot.nonce;
  std::optional<db::TradeOutcome> outcome;
  if (slot.trade_id) {
    const auto trade = m_ctx.store.trades().find(*slot.trade_id);
    if (trade && trade->status == db::TradeStatus::pending) {
      db::TradeOutcome o;
      o.id = trade->id;
      o.status = db::TradeStatus::failed;
      if (slot.kind == db::TxKind::approve) {
        o.error = Failure{FailureReason::not_sent, "its approval was dropped: " + detail}.text();
        o.keep = db::KeepTxHash::no;
        m_awaiting_approval = false;
        const auto it = std::find_if(m_claimed.begin(), m_claimed.end(), [&](const db::Trade& t) { return t.id == o.id; });
        if (it != m_claimed.end()) m_claimed.erase(it);
      } else {
        o.error = Failure{FailureReason::dropped, detail}.text();
      }
      outcome = o;
    }
  }
  if (!m_ctx.settlement.apply(*m_fence, db::NonceOutcome{static_cast<std::int64_t>(nonce), std::nullopt, std::nullopt, outcome},
                              [this] { return stopping(); })) {
    lose_lease("its lease moved on while a drop was being written");
    return;
  }
  log(LogLevel::warn, fmt::format("{}: tx {} (nonce {}) dropped: {}", slot.trade_id ? fmt::format("Trade {}", *slot.trade_id) : "Filler",
                                  slot.txs.back().tx_hash, nonce, detail));
  const std::optional<std::int64_t> trade_id = slot.trade_id;
  m_slots.erase(nonce);
  if (trade_id) publish(*trade_id);
  if (!m_nonces.started()) return;  // reconciliation plans the gaps itself
  const bool above = m_slots.upper_bound(nonce) != m_slots.end();
  if (!above && m_nonces.give_back(nonce)) return;  // the next swap takes the nonce: no gap
  fill_gap(nonce);
}

// --- stuck transactions ---

void WalletLane::handle_stuck() {
  const SystemTime now = m_ctx.clock.now();
  std::vector<std::uint64_t> nonces;
  for (const auto& [nonce, slot] : m_slots) nonces.push_back(nonce);
  for (const std::uint64_t nonce : nonces) {
    auto it = m_slots.find(nonce);
    if (it == m_slots.end() || !m_fence) return;
    Slot& slot = it->second;
    if (now - slot.last_sent < m_ctx.settings.stuck_after) continue;
    const auto waited = std::chrono::duration_cast<std::chrono::seconds>(now - slot.first_sent).count();
    if (!slot.rebroadcast_since_bump) {
      // BSC nodes hardly re-announce a pool transaction: send it again first, it may simply
      // have been lost.
      const Rebroadcast rb = m_broadcaster.rebroadcast(slot.txs.back());
      slot.rebroadcast_since_bump = true;
      slot.last_sent = now;
      {
        std::lock_guard lock(m_mutex);
        ++m_status.rebroadcasts;
      }
      log(LogLevel::warn, fmt::format("{}: tx {} (nonce {}) not mined after {} s; rebroadcast: {}",
                                      slot.trade_id ? fmt::format("Trade {}", *slot.trade_id) : "Filler", slot.txs.back().tx_hash, nonce, waited,
                                      rb.detail));
      if (rb.status == Rebroadcast::Status::refused) drop(slot, fmt::format("not mined after {} s and the node refuses it ({})", waited, rb.detail));
      continue;
    }
    replace(slot, fmt::format("not mined after {} s", waited));
  }
}

bool WalletLane::replace(Slot& slot, const std::string& why) {
  const db::TradeTx& newest = slot.txs.back();
  if (!newest.raw_tx || newest.raw_tx->empty()) {
    log(LogLevel::warn, fmt::format("tx {} cannot be replaced: its signed bytes were not recorded", newest.tx_hash));
    return false;
  }
  const chain::SignedTransaction old = chain::decode_signed_transaction(chain::from_hex(*newest.raw_tx));
  U256 highest = 0;
  for (const db::TradeTx& tx : slot.txs) highest = std::max(highest, tx.gas_price.value());
  const auto price = bumped_gas_price(highest, swap_gas_price(), m_ctx.settings.gas_bump_pct, m_ctx.settings.gas_price_max);
  if (!price) {
    if (!slot.at_max_logged) {
      log(LogLevel::warn, fmt::format("tx {} (nonce {}) cannot be replaced ({}): it pays {} wei and GAS_PRICE_MAX_GWEI allows no {}% more",
                                      newest.tx_hash, slot.nonce, why, to_decimal(highest), m_ctx.settings.gas_bump_pct));
      slot.at_max_logged = true;
    }
    slot.rebroadcast_since_bump = false;
    slot.last_sent = m_ctx.clock.now();
    return false;
  }
  TxIntent intent{newest.kind, slot.trade_id, *old.tx.to, old.tx.value, old.tx.data, old.tx.gas_limit, *price, slot.nonce, std::nullopt};
  const SendOutcome out = m_broadcaster.send(*m_fence, intent);
  slot.last_sent = m_ctx.clock.now();
  if (out.status != SendOutcome::Status::sent) {
    log(LogLevel::warn, fmt::format("Replacement of tx {} (nonce {}) not sent: {}", newest.tx_hash, slot.nonce,
                                    out.failure ? out.failure->text() : out.note));
    return false;
  }
  const std::string old_hash = newest.tx_hash;
  add_slot(out, intent);
  slot.rebroadcast_since_bump = false;
  {
    std::lock_guard lock(m_mutex);
    ++m_status.replacements;
  }
  log(LogLevel::warn, fmt::format("{}: tx {} (nonce {}) replaced by tx {} at {} wei a gas (was {}): {}",
                                  slot.trade_id ? fmt::format("Trade {}", *slot.trade_id) : "Filler", old_hash, slot.nonce,
                                  chain::to_hex(out.signed_tx.hash), to_decimal(*price), to_decimal(highest), why));
  if (slot.trade_id) publish(*slot.trade_id);
  return true;
}

bool WalletLane::cancel(Slot& slot) {
  if (slot.cancel_sent) return true;
  U256 highest = 0;
  for (const db::TradeTx& tx : slot.txs) highest = std::max(highest, tx.gas_price.value());
  const auto price = bumped_gas_price(highest, swap_gas_price(), m_ctx.settings.gas_bump_pct, m_ctx.settings.gas_price_max);
  if (!price) {
    log(LogLevel::error, fmt::format("Trade {} cannot be cancelled: its transaction pays {} wei a gas and GAS_PRICE_MAX_GWEI allows no {}% more",
                                     slot.trade_id.value_or(0), to_decimal(highest), m_ctx.settings.gas_bump_pct));
    return false;
  }
  TxIntent intent{db::TxKind::cancel, slot.trade_id, m_address, 0, {}, k_transfer_gas, *price, slot.nonce, std::nullopt};
  const SendOutcome out = m_broadcaster.send(*m_fence, intent);
  if (out.status != SendOutcome::Status::sent) {
    log(LogLevel::warn, fmt::format("Trade {}: cancel not sent: {}", slot.trade_id.value_or(0), out.failure ? out.failure->text() : out.note));
    return false;
  }
  add_slot(out, intent);
  slot.cancel_sent = true;
  slot.rebroadcast_since_bump = false;
  log(LogLevel::warn, fmt::format("Trade {}: cancel tx {} sent at nonce {} ({} wei a gas); the trade ends cancelled if it is mined first",
                                  slot.trade_id.value_or(0), chain::to_hex(out.signed_tx.hash), slot.nonce, to_decimal(*price)));
  if (slot.trade_id) publish(*slot.trade_id);
  return true;
}

}  // namespace bscbot::core::trade
