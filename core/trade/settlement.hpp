#pragma once
// Settlement: what a mined transaction means for its trade (completed with the amount the
// receipt's logs show, or failed with the revert's reason; a mined cancel cancels it), and the
// write of that outcome, repeated until it is in the database: a receipt is never left
// unapplied because the database was locked or restarting (issue 13 row 4).
#include <functional>
#include <optional>

#include "core/chain/eth.hpp"
#include "core/db/store.hpp"
#include "core/trade/failure.hpp"
#include "core/trade/hooks.hpp"
#include "core/trade/settings.hpp"

namespace bscbot::core::trade {

class Settlement {
public:
  Settlement(const EngineSettings& settings, chain::Eth& eth, db::Store& store, LogFn log);

  // The outcome for the trade of `mined` (a swap, its cancel, or its approval), from its
  // receipt; nullopt for a filler, a successful approval, or a trade that is already final.
  std::optional<db::TradeOutcome> outcome(const db::TradeTx& mined, const chain::Receipt& receipt);

  // Writes `outcome` under `fence`, repeating through database failures until it is written,
  // the fence is lost (false) or `stopping` says so (throws the last error; the transaction
  // stays recorded as sent and the next sender settles it from its receipt).
  bool apply(const db::Fence& fence, const db::NonceOutcome& outcome, const std::function<bool()>& stopping);

  // Finalises a trade that never reached the chain, with the same repetition.
  bool fail_unsent(const db::Fence& fence, std::int64_t trade_id, const Failure& failure, const std::function<bool()>& stopping);

private:
  std::optional<std::string> replay_reason(const chain::Bytes32& hash, std::uint64_t block);

  const EngineSettings& m_settings;
  chain::Eth& m_eth;
  db::Store& m_store;
  LogFn m_log;
};

}  // namespace bscbot::core::trade
