#pragma once
// What happened to a swap, read from its receipt or from the node's refusal, in the words the
// trade-failure runbook uses: slippage, insufficient liquidity, insufficient balance,
// reverted, dropped, not sent.
#include <optional>
#include <string>

#include "core/chain/address.hpp"
#include "core/chain/eth.hpp"
#include "core/chain/rpc_client.hpp"

namespace bscbot::core::trade {

// The amount `wallet` received from a successful swap: the WBNB Withdrawal the router made to
// pay out BNB (`native_out`), or the sum of `token_out` Transfers to `wallet`. nullopt when the
// receipt holds no such log; core::Error(data) when the logs are malformed or their amounts add
// up past 2^256-1 (a token's events are whatever its contract emits).
std::optional<U256> amount_received(const chain::Receipt& receipt, const chain::Address& token_out, const chain::Address& wallet,
                                    bool native_out, const chain::Address& wbnb, const chain::Address& router);

// The trade's `error` text for a revert with `reason` (the decoded Error(string), if any):
// "slippage: ...", "insufficient liquidity: ...", "insufficient balance: ...", "deadline
// expired: ..." or "reverted: ...".
std::string classify_revert(const std::optional<std::string>& reason);

// The revert reason carried by a node error (eth_call / eth_estimateGas), decoded.
std::optional<std::string> revert_reason(const chain::RpcError& error);

// The trade's `error` text for a transaction the node refused to accept.
std::string classify_refusal(const chain::RpcError& error);

// Whether the node refused because our nonce is already used (we must resync from the chain).
bool is_nonce_too_low(const chain::RpcError& error);

}  // namespace bscbot::core::trade
