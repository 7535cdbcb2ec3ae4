#include "core/trade/settlement.hpp"

#include <fmt/format.h>

#include "core/db/retry.hpp"
#include "core/error.hpp"
#include "core/trade/failure.hpp"
#include "core/trade/math.hpp"
#include "core/trade/outcome.hpp"

namespace bscbot::core::trade {

using nlohmann::json;

namespace {

db::RetryPolicy until_written(const std::function<bool()>& stopping, const LogFn& log, std::string what) {
  db::RetryPolicy p;
  p.idempotent = db::Idempotent::yes;  // conditional updates: a repeat after a lost answer changes nothing
  p.max_wait = std::chrono::milliseconds(2000);
  p.stopping = stopping;
  p.on_retry = [log, what = std::move(what)](const Error& e, int attempt) {
    if (log && (attempt == 1 || attempt % 10 == 0)) log(LogLevel::warn, fmt::format("{}: database write failed ({}); retrying", what, e.what()));
  };
  return p;
}

}  // namespace

Settlement::Settlement(const EngineSettings& settings, chain::Eth& eth, db::Store& store, LogFn log)
    : m_settings(settings), m_eth(eth), m_store(store), m_log(std::move(log)) {}

std::optional<std::string> Settlement::replay_reason(const chain::Bytes32& hash, std::uint64_t block) {
  // The revert reason is not in the receipt: replay the call at the block it was mined in.
  try {
    auto& rpc = m_eth.rpc();
    const json tx = rpc.call("eth_getTransactionByHash", json::array({chain::to_hex(hash)}));
    if (!tx.is_object()) return std::nullopt;
    json call = {{"from", tx.value("from", "")}, {"to", tx.value("to", "")}, {"data", tx.value("input", "0x")},
                 {"value", tx.value("value", "0x0")}, {"gas", tx.value("gas", "0x0")}};
    rpc.call("eth_call", json::array({call, chain::to_quantity(block)}));
    return std::nullopt;
  } catch (const chain::RpcError& e) {
    if (e.is_revert()) return revert_reason(e);
    return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<db::TradeOutcome> Settlement::outcome(const db::TradeTx& mined, const chain::Receipt& receipt) {
  if (!mined.trade_id) return std::nullopt;  // a filler
  const std::optional<db::Trade> trade = db::retry_write(until_written({}, m_log, "reading a trade"), [&] { return m_store.trades().find(*mined.trade_id); });
  if (!trade || trade->status != db::TradeStatus::pending) return std::nullopt;
  const U256 price = receipt.effective_gas_price.value_or(mined.gas_price.value());
  db::TradeOutcome o;
  o.id = trade->id;
  o.receipt = db::TradeReceipt{static_cast<std::int64_t>(receipt.gas_used), Wei(gas_fee(receipt.gas_used, price)),
                               static_cast<std::int64_t>(receipt.block_number)};
  o.mined_hash = mined.tx_hash;
  o.gas_price = Wei(price);
  o.status = db::TradeStatus::failed;
  switch (mined.kind) {
    case db::TxKind::approve:
      if (receipt.status) return std::nullopt;
      // The swap was never sent: it fails with no hash of its own.
      o.error = Failure{FailureReason::not_sent, fmt::format("approving the router for {} reverted (tx {})", trade->token_in, mined.tx_hash)}.text();
      o.receipt.reset();
      o.mined_hash.reset();
      o.gas_price.reset();
      o.keep = db::KeepTxHash::no;
      return o;
    case db::TxKind::cancel:
      o.error = Failure{FailureReason::cancelled, fmt::format("by operator: cancel tx {} was mined at nonce {} in block {}, the swap never ran",
                                                              mined.tx_hash, mined.nonce, receipt.block_number)}
                    .text();
      return o;
    case db::TxKind::filler: return std::nullopt;
    case db::TxKind::swap: break;
  }
  if (!receipt.status) {
    o.error = classify_revert(replay_reason(receipt.transaction_hash, receipt.block_number)).text();
    return o;
  }
  const chain::Address wbnb = m_settings.contracts.wbnb;
  const chain::Address token_out = chain::Address::parse(trade->token_out);
  const chain::Address wallet = chain::Address::parse(trade->wallet_address);
  // A mined, successful swap is completed even when its logs cannot be read (Transfer values that
  // add up past 2^256-1): leaving it pending would make every reconcile fail on the same receipt.
  std::optional<U256> received;
  try {
    received = amount_received(receipt, token_out, wallet, token_out == wbnb, wbnb, m_settings.contracts.router);
    if (!received && m_log) {
      m_log(LogLevel::error, fmt::format("Trade {}: tx {} succeeded but its receipt shows no payment to {}; recorded amount_out 0",
                                         trade->id, mined.tx_hash, wallet.to_hex()));
    }
  } catch (const Error& e) {
    if (m_log) {
      m_log(LogLevel::error, fmt::format("Trade {}: tx {} succeeded but its receipt cannot be read ({}); recorded amount_out 0",
                                         trade->id, mined.tx_hash, e.what()));
    }
  }
  o.status = db::TradeStatus::completed;
  o.amount_out = Wei(received.value_or(0));
  return o;
}

bool Settlement::apply(const db::Fence& fence, const db::NonceOutcome& outcome, const std::function<bool()>& stopping) {
  return db::retry_write(until_written(stopping, m_log, fmt::format("Settling nonce {} of {}", outcome.nonce, fence.wallet)),
                         [&] { return m_store.lanes().settle(fence, outcome); });
}

bool Settlement::fail_unsent(const db::Fence& fence, std::int64_t trade_id, const Failure& failure, const std::function<bool()>& stopping) {
  return db::retry_write(until_written(stopping, m_log, fmt::format("Failing trade {}", trade_id)),
                         [&] { return m_store.lanes().fail_unsent(fence, trade_id, failure.text()); });
}

}  // namespace bscbot::core::trade
