#pragma once
// What happened to a swap, read from its receipt or from the node's refusal, in the words the
// trade-failure runbook uses: slippage, insufficient liquidity, insufficient balance,
// reverted, dropped, not sent.
#include <optional>
#include <string>

#include "core/chain/address.hpp"
#include "core/chain/eth.hpp"
#include "core/chain/rpc_client.hpp"
#include "core/trade/failure.hpp"

namespace bscbot::core::trade {

// The amount `wallet` received from a successful swap: the WBNB Withdrawal the router made to
// pay out BNB (`native_out`), or the sum of `token_out` Transfers to `wallet`. nullopt when the
// receipt holds no such log; core::Error(data) when the logs are malformed or their amounts add
// up past 2^256-1 (a token's events are whatever its contract emits).
std::optional<U256> amount_received(const chain::Receipt& receipt, const chain::Address& token_out, const chain::Address& wallet,
                                    bool native_out, const chain::Address& wbnb, const chain::Address& router);

// The failure of a revert with `reason` (the decoded Error(string), if any): slippage,
// insufficient liquidity, insufficient balance, deadline expired, or reverted.
Failure classify_revert(const std::optional<std::string>& reason);

// The revert reason carried by a node error (eth_call / eth_estimateGas), decoded.
std::optional<std::string> revert_reason(const chain::RpcError& error);

// The failure of a transaction the node refused to accept.
Failure classify_refusal(const chain::RpcError& error);

// Whether the node refused because our nonce is already used (we must resync from the chain).
bool is_nonce_too_low(const chain::RpcError& error);

// Whether the node refused because it already holds this very transaction: an earlier attempt
// (a retried request, a rebroadcast) got through, so it counts as sent.
bool is_already_known(const chain::RpcError& error);

// Whether the node refused a transaction at a nonce it holds another one for, priced too low to
// replace it.
bool is_underpriced_replacement(const chain::RpcError& error);

}  // namespace bscbot::core::trade
