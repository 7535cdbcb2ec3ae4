#pragma once
// The one place a wallet's transactions are signed and sent, for swaps, approvals, cancels,
// fillers and replacements alike: sign, take the nonce, record the transaction (fenced by the
// wallet's lease) before any byte leaves this process, send it (to the private endpoints when
// configured, never falling back to public ones), and give the nonce back when the node refused
// the transaction outright. A crash after the record and before the send leaves a transaction
// the next sender finds and rebroadcasts; a lost lease leaves nothing sent.
#include <cstdint>
#include <optional>
#include <string>

#include "core/chain/eth.hpp"
#include "core/chain/signer.hpp"
#include "core/chain/transaction.hpp"
#include "core/db/lane_store.hpp"
#include "core/trade/failure.hpp"
#include "core/trade/hooks.hpp"
#include "core/trade/nonce_lane.hpp"

namespace bscbot::core::trade {

// A transaction to send.
struct TxIntent {
  db::TxKind kind = db::TxKind::swap;
  std::optional<std::int64_t> trade_id;
  chain::Address to;
  U256 value;
  chain::Bytes data;
  std::uint64_t gas_limit = 0;
  U256 gas_price;
  std::optional<std::uint64_t> nonce;         // a replacement's nonce; none: the lane's next
  std::optional<db::SignedTrade> first_send;  // a swap's first transaction (nonce and hash are filled in)
};

struct SendOutcome {
  enum class Status {
    sent,          // broadcast (or possibly delivered): follow it
    refused,       // the node refused it or surely never got it: it does not exist
    not_recorded,  // the record was refused (lease lost, trade no longer sendable): nothing sent
  };
  Status status = Status::refused;
  std::uint64_t nonce = 0;
  chain::SignedTransaction signed_tx;
  std::optional<Failure> failure;  // refused: why
  bool nonce_too_low = false;      // refused because the nonce is used: resync
  bool underpriced = false;        // refused: another transaction holds the nonce at a higher price
  std::string note;                // how it went, for the log
  db::TradeTx record() const;      // the transaction as recorded
};

// What a rebroadcast of a recorded transaction found.
struct Rebroadcast {
  enum class Status { accepted, nonce_used, refused };
  Status status = Status::accepted;
  std::string detail;
};

class Broadcaster {
public:
  // `send` carries signed transactions (the private client when BSC_PRIVATE_RPC_URLS is set);
  // `private_sends` words the refusals. `key` must outlive this object.
  Broadcaster(const chain::PrivateKey& key, std::uint64_t chain_id, chain::Eth& send, bool private_sends, db::LaneStore& lanes,
              NonceLane& nonces, LogFn log);

  const chain::Address& wallet() const { return m_wallet; }

  // Signs and sends `intent` under `fence`. Database failures that left nothing written are
  // repeated; others are thrown (nothing was sent).
  SendOutcome send(const db::Fence& fence, TxIntent intent);

  // Sends a recorded transaction's signed bytes again.
  Rebroadcast rebroadcast(const db::TradeTx& tx);

private:
  const chain::PrivateKey& m_key;
  chain::Address m_wallet;
  std::uint64_t m_chain_id;
  chain::Eth& m_send;
  bool m_private;
  db::LaneStore& m_lanes;
  NonceLane& m_nonces;
  LogFn m_log;
};

}  // namespace bscbot::core::trade
