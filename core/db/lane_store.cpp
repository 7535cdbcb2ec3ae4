#include "core/db/lane_store.hpp"

namespace bscbot::core::db {

std::string_view to_string(TxKind kind) {
  switch (kind) {
    case TxKind::swap: return "swap";
    case TxKind::approve: return "approve";
    case TxKind::cancel: return "cancel";
    case TxKind::filler: return "filler";
  }
  return "swap";
}

std::optional<TxKind> parse_tx_kind(std::string_view text) {
  for (TxKind k : {TxKind::swap, TxKind::approve, TxKind::cancel, TxKind::filler}) {
    if (to_string(k) == text) return k;
  }
  return std::nullopt;
}

std::string_view to_string(TxState state) {
  switch (state) {
    case TxState::sent: return "sent";
    case TxState::mined: return "mined";
    case TxState::replaced: return "replaced";
    case TxState::dropped: return "dropped";
    case TxState::refused: return "refused";
  }
  return "sent";
}

std::optional<TxState> parse_tx_state(std::string_view text) {
  for (TxState s : {TxState::sent, TxState::mined, TxState::replaced, TxState::dropped, TxState::refused}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

std::string_view to_string(OperatorRequest request) { return request == OperatorRequest::cancel ? "cancel" : "speed_up"; }

std::optional<OperatorRequest> parse_operator_request(std::string_view text) {
  if (text == "cancel") return OperatorRequest::cancel;
  if (text == "speed_up") return OperatorRequest::speed_up;
  return std::nullopt;
}

}  // namespace bscbot::core::db
