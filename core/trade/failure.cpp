#include "core/trade/failure.hpp"

namespace bscbot::core::trade {

namespace {

constexpr FailureReason k_all[] = {FailureReason::slippage,         FailureReason::insufficient_liquidity, FailureReason::insufficient_balance,
                                   FailureReason::deadline_expired, FailureReason::reverted,               FailureReason::dropped,
                                   FailureReason::not_sent,         FailureReason::cancelled};

}  // namespace

std::string_view to_string(FailureReason reason) {
  switch (reason) {
    case FailureReason::slippage: return "slippage";
    case FailureReason::insufficient_liquidity: return "insufficient liquidity";
    case FailureReason::insufficient_balance: return "insufficient balance";
    case FailureReason::deadline_expired: return "deadline expired";
    case FailureReason::reverted: return "reverted";
    case FailureReason::dropped: return "dropped";
    case FailureReason::not_sent: return "not sent";
    case FailureReason::cancelled: return "cancelled";
  }
  return "not sent";
}

std::string Failure::text() const { return std::string(to_string(reason)) + ": " + detail; }

std::optional<Failure> Failure::parse(std::string_view text) {
  for (FailureReason r : k_all) {
    const std::string prefix = std::string(to_string(r)) + ":";
    if (text.substr(0, prefix.size()) == prefix) {
      std::string_view rest = text.substr(prefix.size());
      if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
      return Failure{r, std::string(rest)};
    }
  }
  return std::nullopt;
}

}  // namespace bscbot::core::trade
