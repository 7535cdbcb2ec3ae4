#pragma once
// Typed eth_* calls on top of RpcClient: quantities become numbers, hex becomes bytes, and
// receipts become structs, so callers never handle JSON-RPC text.
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/chain/address.hpp"
#include "core/chain/hex.hpp"
#include "core/chain/log.hpp"
#include "core/chain/rpc_client.hpp"

namespace bscbot::core::chain {

// Which state to read: the last block, or the last block plus the node's pending pool (for
// the next nonce while our own transactions are in flight).
enum class BlockTag { latest, pending };

struct Receipt {
  Bytes32 transaction_hash{};
  bool status = false;  // true: executed; false: reverted (gas still spent)
  std::uint64_t gas_used = 0;
  std::optional<U256> effective_gas_price;  // absent on nodes that predate the field
  std::uint64_t block_number = 0;
  std::vector<Log> logs;
};

class Eth {
public:
  // `rpc` must outlive this object; calls go through its failover and retries.
  explicit Eth(RpcClient& rpc) : m_rpc(rpc) {}

  // The client underneath, for calls without a typed wrapper here.
  RpcClient& rpc() const { return m_rpc; }

  // eth_chainId: checked at start-up against the configured chain so a mainnet key is never
  // used on the wrong network.
  std::uint64_t chain_id() const;

  // The head block, for freshness checks and deadlines.
  std::uint64_t block_number() const;

  // The node's suggested gas price in wei, for legacy transactions.
  U256 gas_price() const;

  // The BNB balance of `account` in wei.
  U256 get_balance(const Address& account, BlockTag tag = BlockTag::latest) const;

  // The next nonce for `account`: `pending` counts transactions still in the node's pool.
  std::uint64_t get_transaction_count(const Address& account, BlockTag tag) const;

  // eth_estimateGas of a call object ({"from", "to", "value", "data", ...} in JSON-RPC form);
  // a revert comes back as RpcError with is_revert().
  std::uint64_t estimate_gas(const nlohmann::json& call_object) const;

  // eth_call of `data` on `to`, optionally as `from`; returns the raw return data.
  Bytes eth_call(const Address& to, ByteView data, const std::optional<Address>& from = std::nullopt,
                 BlockTag tag = BlockTag::latest) const;

  // Broadcasts a signed transaction and returns its hash; throws core::Error(data) if the node
  // reports a different hash than keccak256(raw).
  Bytes32 send_raw_transaction(ByteView raw) const;

  // The receipt of a mined transaction; nullopt while it is pending or unknown.
  std::optional<Receipt> get_transaction_receipt(const Bytes32& hash) const;

  // Polls for the receipt every `poll_interval` until `timeout`; nullopt if the transaction was
  // still not mined. Endpoint outages during the wait are ridden out; if the last poll failed
  // that way, its error is thrown instead of nullopt, since the outcome is then unknown.
  std::optional<Receipt> wait_for_receipt(const Bytes32& hash, std::chrono::milliseconds timeout,
                                          std::chrono::milliseconds poll_interval) const;

private:
  RpcClient& m_rpc;
};

// Reads a receipt object as eth_getTransactionReceipt returns it; throws core::Error(data).
Receipt parse_receipt(const nlohmann::json& object);

}  // namespace bscbot::core::chain
