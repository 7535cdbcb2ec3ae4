#include "core/db/trade.hpp"

namespace bscbot::core::db {

std::string_view to_string(TradeStatus s) {
  switch (s) {
    case TradeStatus::pending: return "pending";
    case TradeStatus::completed: return "completed";
    case TradeStatus::failed: return "failed";
  }
  return "pending";
}

std::optional<TradeStatus> parse_trade_status(std::string_view s) {
  if (s == "pending") return TradeStatus::pending;
  if (s == "completed") return TradeStatus::completed;
  if (s == "failed") return TradeStatus::failed;
  return std::nullopt;
}

}  // namespace bscbot::core::db
