#pragma once
// What the trade engine's per-wallet senders keep in the database, on both backends: the lease
// that makes one daemon at a time the sender of a wallet, the queue of swaps waiting for that
// sender (accepted by any daemon), every transaction sent for the wallet (each hash a trade was
// ever sent under, with its signed bytes, so a restart or another daemon can find whichever was
// mined and rebroadcast what was not), and the operator's cancel and speed-up requests.
//
// Every write of a sender carries its Fence and is refused (false) once the lease has passed to
// another daemon: a daemon that lost its wallet can never write, or broadcast, as its owner.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/db/trade.hpp"
#include "core/db/trade_store.hpp"
#include "core/util/clock.hpp"
#include "core/util/wei.hpp"

namespace bscbot::core::db {

// A held lease: the wallet, who holds it, and the epoch that every write of the holder names.
struct Fence {
  std::string wallet;  // lower-case address
  std::string owner;   // the daemon's identity (host, pid, a random tag)
  std::int64_t epoch = 0;
};

struct LeaseInfo {
  std::string wallet;
  std::optional<std::string> owner;  // none when released
  std::int64_t epoch = 0;
  std::optional<SystemTime> acquired_at;
  std::optional<SystemTime> heartbeat_at;
};

enum class TxKind { swap, approve, cancel, filler };
std::string_view to_string(TxKind kind);
std::optional<TxKind> parse_tx_kind(std::string_view text);

// sent: broadcast (or about to be), not settled; mined: the one transaction mined at its nonce;
// replaced: another transaction took its nonce; dropped: gone from the pool, never mined;
// refused: the node refused it, it never existed.
enum class TxState { sent, mined, replaced, dropped, refused };
std::string_view to_string(TxState state);
std::optional<TxState> parse_tx_state(std::string_view text);

// What is written before a transaction is broadcast.
struct TxRecord {
  std::optional<std::int64_t> trade_id;  // none for a filler
  TxKind kind = TxKind::swap;
  std::int64_t nonce = 0;
  std::string tx_hash;                   // 0x, lower case
  Wei gas_price;
  std::string raw_tx;                    // 0x hex of the signed transaction
};

// A transaction as stored.
struct TradeTx {
  std::int64_t id = 0;
  std::string wallet;
  std::int64_t nonce = 0;
  std::string tx_hash;
  std::optional<std::int64_t> trade_id;
  TxKind kind = TxKind::swap;
  Wei gas_price;
  std::optional<std::string> raw_tx;     // none for a transaction recorded before this table existed
  TxState state = TxState::sent;
  std::int64_t epoch = 0;
  std::optional<std::int64_t> block_number;
  SystemTime created_at;
};

enum class OperatorRequest { cancel, speed_up };
std::string_view to_string(OperatorRequest request);
std::optional<OperatorRequest> parse_operator_request(std::string_view text);

// How a swap ended, as the settlement writes it.
struct TradeOutcome {
  std::int64_t id = 0;
  TradeStatus status = TradeStatus::completed;  // completed or failed
  std::optional<Wei> amount_out;                // completed
  std::optional<std::string> error;             // failed: "<reason>: <detail>"
  std::optional<TradeReceipt> receipt;          // the mined transaction's, when one was mined
  std::optional<std::string> mined_hash;        // becomes the trade's tx_hash
  std::optional<Wei> gas_price;                 // what the mined transaction paid
  KeepTxHash keep = KeepTxHash::yes;            // a refused swap's hash is cleared
};

// What happened at one nonce of the wallet: the transaction mined there (none: every one of
// them was dropped or refused), and the trade it settles, if any.
struct NonceOutcome {
  std::int64_t nonce = 0;
  std::optional<std::string> mined_hash;
  std::optional<std::int64_t> block_number;
  std::optional<TradeOutcome> trade;
};

// The manual's 24 h metrics of one wallet.
struct WalletStats {
  std::string wallet;
  TradeStats stats;
};

class LaneStore {
public:
  virtual ~LaneStore() = default;

  // --- the lease ---

  // Makes `owner` the sender of `wallet` when no one else is: PostgreSQL takes an advisory lock
  // on a session of its own (freed by the server when the holder dies) and, when the holder
  // has not renewed for `ttl`, ends that holder's session so the lock frees; SQLite (one daemon
  // per file) always grants it. A grant raises the wallet's epoch and puts the swaps an earlier
  // holder claimed but never signed back in the queue. nullopt while another daemon holds it.
  virtual std::optional<Fence> acquire(const std::string& wallet, const std::string& owner, std::chrono::seconds ttl) = 0;
  // Moves the heartbeat; false once the lease is lost (session gone, epoch moved on).
  virtual bool renew(const Fence& fence) = 0;
  // Gives the wallet up (a clean stop), so another daemon need not wait for the TTL.
  virtual void release(const Fence& fence) = 0;
  virtual std::vector<LeaseInfo> leases() = 0;

  // --- the queue ---

  // Up to `limit` of the wallet's oldest queued swaps (pending, unsigned, unclaimed), now
  // claimed by the fence's epoch; oldest first. Rows another transaction holds are skipped
  // (FOR UPDATE SKIP LOCKED), not waited for.
  virtual std::vector<Trade> claim(const Fence& fence, int limit) = 0;
  // Pending trades per wallet (queued, claimed or in flight), for choosing the least busy.
  virtual std::map<std::string, std::int64_t> pending_by_wallet() = 0;
  // Fails a swap that is still queued (not claimed by any sender) with `error`; false otherwise.
  virtual bool cancel_queued(std::int64_t id, const std::string& error) = 0;

  // --- sends ---

  // Records a claimed swap's first transaction (mark_signed plus its row in
  // trade_transactions) in one transaction; false when the fence is lost, the trade is no longer
  // pending or claimed by this epoch, already signed, or its cancellation was requested.
  virtual bool record_first_send(const Fence& fence, std::int64_t trade_id, const SignedTrade& signed_trade, const TxRecord& tx) = 0;
  // Records any later transaction: an approval, a filler, a cancel, or a swap's replacement at
  // the same nonce (which also becomes the trade's tx_hash and gas_price); false when the fence
  // is lost or, for a trade's transaction, the trade is no longer pending.
  virtual bool record_tx(const Fence& fence, const TxRecord& tx) = 0;
  // Marks one transaction refused (the node would not take it) or dropped. A refused swap
  // transaction never existed, so its trade is known again by its last one that did: for a
  // refused first send the trade has no hash and can be sent again.
  virtual bool mark_tx(const Fence& fence, const std::string& tx_hash, TxState state) = 0;
  // Settles a nonce: its mined transaction becomes `mined` and the others at that nonce
  // `replaced` (or all `dropped`), and the trade, if given, is finalised, in one transaction.
  // False when the fence is lost; a trade that was already final is left as it is.
  virtual bool settle(const Fence& fence, const NonceOutcome& outcome) = 0;
  // Finalises a swap that never reached the chain (refused before or at sending, cancelled in
  // the queue, reconciled as never sent), clearing its hash; false when not pending or fenced out.
  virtual bool fail_unsent(const Fence& fence, std::int64_t trade_id, const std::string& error) = 0;

  // The wallet's unsettled transactions (state sent), by nonce then age.
  virtual std::vector<TradeTx> unsettled(const std::string& wallet) = 0;
  // Every transaction of a trade, oldest first.
  virtual std::vector<TradeTx> transactions(std::int64_t trade_id) = 0;
  // The highest nonce ever recorded for the wallet.
  virtual std::optional<std::int64_t> max_nonce(const std::string& wallet) = 0;

  // --- operator requests ---

  // Asks the wallet's sender to cancel or speed up a pending swap; false when it is not pending.
  virtual bool request(std::int64_t trade_id, OperatorRequest request) = 0;
  // The wallet's pending trades with a request.
  virtual std::vector<std::pair<std::int64_t, OperatorRequest>> requests(const std::string& wallet) = 0;
  virtual bool clear_request(const Fence& fence, std::int64_t trade_id) = 0;

  // --- per wallet ---

  // The manual's metrics over trades created after `since`, per wallet.
  virtual std::vector<WalletStats> stats_by_wallet(SystemTime since) = 0;
};

}  // namespace bscbot::core::db
