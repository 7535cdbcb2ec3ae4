#pragma once
// Why a swap failed, in the words of the trade-failure runbook: a reason from a closed set (so
// the runbook, `diagnose`, the stats and the tests branch on it, not on text) and a detail for
// the operator. Stored in the trade's `error` column as "<reason>: <detail>", the form the
// manual's sqlite3 lines and earlier versions show.
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace bscbot::core::trade {

enum class FailureReason {
  slippage,                // the output would be (or was) below amountOutMin
  insufficient_liquidity,  // no pair, or the pool cannot fill it
  insufficient_balance,    // the wallet lacks the token or the BNB for value and gas
  deadline_expired,        // mined after its deadline
  reverted,                // any other revert
  dropped,                 // broadcast, then gone without being mined
  not_sent,                // never reached the chain (refused, unreachable, chain id wrong)
  cancelled,               // by the operator: before sending, or by a mined cancel transaction
};

// "slippage", "insufficient liquidity", ..., "not sent", "cancelled".
std::string_view to_string(FailureReason reason);

struct Failure {
  FailureReason reason = FailureReason::not_sent;
  std::string detail;

  // "<reason>: <detail>", what the trade's error column holds.
  std::string text() const;
  // Reads text() back; nullopt for text without a known reason prefix.
  static std::optional<Failure> parse(std::string_view text);
};

// A swap that cannot go on, thrown by the parts that plan and send it and caught by the wallet's
// sender, which records it on the trade. Kind data: it is about this swap, not the daemon.
class TradeFailure : public Error {
public:
  explicit TradeFailure(Failure failure, ErrorKind kind = ErrorKind::data)
      : Error(kind, failure.text()), m_failure(std::move(failure)) {}
  TradeFailure(FailureReason reason, std::string detail, ErrorKind kind = ErrorKind::data)
      : TradeFailure(Failure{reason, std::move(detail)}, kind) {}
  const Failure& failure() const { return m_failure; }

private:
  Failure m_failure;
};

}  // namespace bscbot::core::trade
