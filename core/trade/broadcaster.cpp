#include "core/trade/broadcaster.hpp"

#include <fmt/format.h>

#include "core/db/retry.hpp"
#include "core/error.hpp"
#include "core/trade/outcome.hpp"
#include "core/util/crash_point.hpp"

namespace bscbot::core::trade {

db::TradeTx SendOutcome::record() const {
  db::TradeTx t;
  t.nonce = static_cast<std::int64_t>(nonce);
  t.tx_hash = chain::to_hex(signed_tx.hash);
  t.gas_price = Wei(signed_tx.tx.gas_price);
  t.raw_tx = chain::to_hex(signed_tx.raw);
  return t;
}

Broadcaster::Broadcaster(const chain::PrivateKey& key, std::uint64_t chain_id, chain::Eth& send, bool private_sends, db::LaneStore& lanes,
                         NonceLane& nonces, LogFn log)
    : m_key(key), m_wallet(key.address()), m_chain_id(chain_id), m_send(send), m_private(private_sends), m_lanes(lanes), m_nonces(nonces),
      m_log(std::move(log)) {}

SendOutcome Broadcaster::send(const db::Fence& fence, TxIntent intent) {
  SendOutcome out;
  const bool fresh = !intent.nonce.has_value();
  out.nonce = fresh ? m_nonces.next() : *intent.nonce;

  chain::LegacyTransaction tx;
  tx.nonce = out.nonce;
  tx.gas_price = intent.gas_price;
  tx.gas_limit = intent.gas_limit;
  tx.to = intent.to;
  tx.value = intent.value;
  tx.data = intent.data;
  tx.chain_id = m_chain_id;
  out.signed_tx = chain::sign_transaction(tx, m_key);
  const std::string hash = chain::to_hex(out.signed_tx.hash);

  // Recorded before it is sent: a crash from here on leaves a transaction to look for, never
  // one nobody knows about. The record is fenced: a daemon that lost the wallet sends nothing.
  db::TxRecord record{intent.trade_id, intent.kind, static_cast<std::int64_t>(out.nonce), hash, Wei(intent.gas_price),
                      chain::to_hex(out.signed_tx.raw)};
  db::RetryPolicy retry;
  retry.idempotent = db::Idempotent::no;
  retry.give_up_after = std::chrono::seconds(30);
  bool recorded = false;
  if (intent.first_send) {
    db::SignedTrade s = *intent.first_send;
    s.nonce = static_cast<std::int64_t>(out.nonce);
    s.tx_hash = hash;
    s.gas_price = Wei(intent.gas_price);
    recorded = db::retry_write(retry, [&] { return m_lanes.record_first_send(fence, *intent.trade_id, s, record); });
  } else {
    recorded = db::retry_write(retry, [&] { return m_lanes.record_tx(fence, record); });
  }
  if (!recorded) {
    out.status = SendOutcome::Status::not_recorded;
    out.note = "the record was refused: the lease moved on or the trade is no longer sendable";
    return out;
  }

  const auto refused = [&](Failure failure) {
    out.status = SendOutcome::Status::refused;
    out.failure = std::move(failure);
    if (fresh) m_nonces.give_back(out.nonce);
    try {
      db::RetryPolicy again;
      again.give_up_after = std::chrono::seconds(30);
      db::retry_write(again, [&] { return m_lanes.mark_tx(fence, hash, db::TxState::refused); });
    } catch (const std::exception& e) {
      // Left "sent": the next reconciliation asks the node, which does not know it, and drops it.
      if (m_log) m_log(LogLevel::warn, fmt::format("tx {} was refused but cannot be marked so yet: {}", hash, e.what()));
    }
    return out;
  };
  // Crash points for the swap harness (issue 13): between the record and the broadcast, and
  // right after the broadcast.
  crash_point("trade.hash_recorded");
  try {
    m_send.send_raw_transaction(out.signed_tx.raw);
    crash_point("trade.broadcast");
    out.status = SendOutcome::Status::sent;
  } catch (const chain::RpcError& e) {
    if (is_already_known(e)) {
      // An earlier attempt of this very request got through.
      out.status = SendOutcome::Status::sent;
      out.note = "the node already had it";
    } else {
      out.nonce_too_low = is_nonce_too_low(e);
      out.underpriced = is_underpriced_replacement(e);
      return refused(classify_refusal(e));
    }
  } catch (const chain::NoAnswerError& e) {
    if (e.delivery() == chain::Delivery::not_delivered) {
      return refused({FailureReason::not_sent, m_private ? fmt::format("no private endpoint (BSC_PRIVATE_RPC_URLS) took the transaction, "
                                                                       "and it is never sent to a public one: {}",
                                                                       e.what())
                                                         : fmt::format("no endpoint took the transaction: {}", e.what())});
    }
    // It may have reached a node: followed like any sent transaction, rebroadcast if unknown.
    out.status = SendOutcome::Status::sent;
    out.note = fmt::format("no clear answer ({}); following it", e.what());
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::unavailable && e.kind() != ErrorKind::data) throw;
    out.status = SendOutcome::Status::sent;
    out.note = fmt::format("no clear answer ({}); following it", e.what());
  }
  m_nonces.taken(out.nonce);
  return out;
}

Rebroadcast Broadcaster::rebroadcast(const db::TradeTx& tx) {
  if (!tx.raw_tx || tx.raw_tx->empty()) return {Rebroadcast::Status::refused, "its signed bytes were not recorded (sent by an older bscbot)"};
  const auto raw = chain::try_from_hex(*tx.raw_tx);
  if (!raw) return {Rebroadcast::Status::refused, "its recorded bytes are not hex"};
  try {
    m_send.send_raw_transaction(*raw);
    return {Rebroadcast::Status::accepted, "accepted"};
  } catch (const chain::RpcError& e) {
    if (is_already_known(e)) return {Rebroadcast::Status::accepted, "the node already had it"};
    if (is_nonce_too_low(e)) return {Rebroadcast::Status::nonce_used, e.node_message()};
    if (is_underpriced_replacement(e)) return {Rebroadcast::Status::accepted, "the node holds a replacement of it"};
    return {Rebroadcast::Status::refused, e.node_message()};
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::unavailable && e.kind() != ErrorKind::data) throw;
    return {Rebroadcast::Status::accepted, fmt::format("no clear answer ({})", e.what())};
  }
}

}  // namespace bscbot::core::trade
