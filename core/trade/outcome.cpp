#include "core/trade/outcome.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/chain/abi.hpp"
#include "core/error.hpp"

namespace bscbot::core::trade {

namespace {

bool contains(std::string_view haystack, std::string_view needle) {
  std::string h(haystack), n(needle);
  std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return h.find(n) != std::string::npos;
}

const chain::Bytes32& withdrawal_topic() {
  static const chain::Bytes32 topic = chain::event_topic("Withdrawal(address,uint256)");
  return topic;
}

}  // namespace

std::optional<U256> amount_received(const chain::Receipt& receipt, const chain::Address& token_out, const chain::Address& wallet,
                                    bool native_out, const chain::Address& wbnb, const chain::Address& router) {
  std::optional<U256> total;
  // U256 is checked: an overflowing sum would throw std::overflow_error, which callers do not
  // expect from receipt data (found by fuzz/fuzz_abi.cpp).
  auto add = [&](const U256& value) {
    if (total && value > ~U256(0) - *total) {
      throw Error(ErrorKind::data, fmt::format("the receipt's payments to {} add up past 2^256-1", wallet.to_hex()));
    }
    total = total.value_or(0) + value;
  };
  for (const chain::Log& log : receipt.logs) {
    if (native_out) {
      if (log.address == wbnb && log.topics.size() == 2 && log.topics[0] == withdrawal_topic() &&
          chain::Address::from_word(log.topics[1]) == router) {
        add(chain::AbiDecoder(log.data, "Withdrawal event data").uint256(0));
      }
    } else if (const auto transfer = chain::decode_transfer(log)) {
      if (transfer->token == token_out && transfer->to == wallet) add(transfer->value);
    }
  }
  return total;
}

Failure classify_revert(const std::optional<std::string>& reason) {
  if (!reason) return {FailureReason::reverted, "no reason given"};
  const std::string& r = *reason;
  if (contains(r, "INSUFFICIENT_OUTPUT_AMOUNT")) return {FailureReason::slippage, "output below amountOutMin (" + r + ")"};
  if (contains(r, "INSUFFICIENT_LIQUIDITY") || contains(r, "INSUFFICIENT_INPUT_AMOUNT")) return {FailureReason::insufficient_liquidity, r};
  if (contains(r, "EXPIRED")) return {FailureReason::deadline_expired, r};
  if (contains(r, "TRANSFER_FROM_FAILED") || contains(r, "exceeds balance") || contains(r, "ds-math-sub-underflow") ||
      contains(r, "insufficient funds")) {
    return {FailureReason::insufficient_balance, r};
  }
  return {FailureReason::reverted, r};
}

std::optional<std::string> revert_reason(const chain::RpcError& error) {
  if (const auto data = error.revert_data()) {
    try {
      if (auto reason = chain::decode_revert_reason(*data)) return reason;
    } catch (const std::exception&) {
    }
  }
  // Some nodes put the reason in the message only: "execution reverted: UniswapV2Router: EXPIRED".
  const std::string& message = error.node_message();
  const std::string prefix = "execution reverted: ";
  if (message.rfind(prefix, 0) == 0 && message.size() > prefix.size()) return message.substr(prefix.size());
  return std::nullopt;
}

Failure classify_refusal(const chain::RpcError& error) {
  const std::string& m = error.node_message();
  if (contains(m, "insufficient funds")) return {FailureReason::insufficient_balance, m};
  if (error.is_revert()) return classify_revert(revert_reason(error));
  return {FailureReason::not_sent, "the node refused the transaction (" + m + ")"};
}

bool is_nonce_too_low(const chain::RpcError& error) {
  return contains(error.node_message(), "nonce too low") || contains(error.node_message(), "nonce has already been used") ||
         contains(error.node_message(), "nonce is too low");
}

bool is_already_known(const chain::RpcError& error) {
  return contains(error.node_message(), "already known") || contains(error.node_message(), "known transaction") ||
         contains(error.node_message(), "already imported") || contains(error.node_message(), "already in the pool");
}

bool is_underpriced_replacement(const chain::RpcError& error) {
  return contains(error.node_message(), "replacement transaction underpriced") || contains(error.node_message(), "underpriced") ||
         contains(error.node_message(), "already exists with a higher") || contains(error.node_message(), "fee too low");
}

}  // namespace bscbot::core::trade
