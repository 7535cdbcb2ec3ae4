#pragma once
// Every query on `trades` lives here, so commands and the daemon never hold SQL and another
// backend (the PostgreSQL the manual recommends) can replace this class alone.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/db/trade.hpp"
#include "core/util/clock.hpp"

namespace SQLite {
class Database;
}

namespace bscbot::core::db {

// Told the name and duration of every query, for slow-query logs and the P95 histogram.
using QueryObserver = std::function<void(std::string_view query, std::chrono::microseconds took)>;

struct HistoryQuery {
  int limit = 20;                          // 1..1000
  std::optional<std::string> wallet;       // exact address (case-insensitive)
  std::optional<TradeStatus> status;
  std::optional<std::string> since;        // created_at > since, SQL datetime text
};

// The manual's 24-hour business metrics.
struct TradeStats {
  std::int64_t total = 0;
  std::int64_t completed = 0;
  std::int64_t failed = 0;
  std::int64_t pending = 0;
  std::optional<double> success_rate;      // percent of all trades; none without trades
  std::optional<double> avg_gas_fee_wei;   // AVG(CAST(gas_fee AS REAL)), as the manual computes it
  std::int64_t distinct_wallets = 0;
};

struct CleanupResult {
  std::int64_t deleted = 0;                // rows removed (or that would be, on a dry run)
  std::int64_t kept_pending = 0;           // old pending trades kept for reconciliation
  std::string cutoff;                      // created_at < cutoff
};

enum class DryRun { no, yes };

// What is known about a swap once it is signed, written before it is broadcast so a crash
// after sending still leaves its hash and nonce for reconciliation.
struct SignedTrade {
  std::string quoted_amount_out;  // wei, router getAmountsOut
  std::string amount_out_min;     // wei
  std::int64_t slippage_bps = 0;
  std::int64_t deadline = 0;      // unix seconds
  std::int64_t gas_limit = 0;
  std::string gas_price;          // wei
  std::int64_t nonce = 0;
  std::int64_t chain_id = 0;
  std::string tx_hash;            // 0x-prefixed, lower case
  std::string path;               // comma-separated addresses the router swaps through
};

// What a mined receipt says about a swap.
struct TradeReceipt {
  std::int64_t gas_used = 0;
  std::string gas_fee;            // wei = gas_used * effective gas price
  std::int64_t block_number = 0;
};

// Whether a failed trade keeps its transaction hash: a transaction the node refused never
// existed on chain, so its hash is cleared; one that was broadcast keeps it.
enum class KeepTxHash { no, yes };

class TradeRepository {
public:
  explicit TradeRepository(SQLite::Database& db, QueryObserver observer = {});

  // Records a new pending trade and returns its id.
  std::int64_t insert(const NewTrade& trade);

  std::optional<Trade> find(std::int64_t id);
  std::optional<Trade> find_by_tx_hash(const std::string& tx_hash);

  // Newest first.
  std::vector<Trade> history(const HistoryQuery& query);

  // Metrics over trades created after `since` (SQL datetime text).
  TradeStats stats(const std::string& since);

  // Exact sum of amount_in over trades created after `since`, as decimal wei.
  std::string volume_in(const std::string& since);

  // Trades whose amount_in is above `limit_wei` (exact uint256 comparison), or that were
  // changed after they were finalised; newest first, at most `max_rows`.
  std::vector<Trade> suspicious(const std::string& limit_wei, int max_rows);

  // Pending trades, oldest first: the queue to reconcile after a restart.
  std::vector<Trade> pending();

  // Records the signed transaction of a pending, unsent trade; false when the trade is no
  // longer pending or already has a transaction.
  bool mark_signed(std::int64_t id, const SignedTrade& signed_trade);

  // Finalises a pending trade as completed with what the chain reported; false when it was not
  // pending. updated_at and finalized_at get the same time, so the audit sees no later edit.
  bool complete(std::int64_t id, const std::string& amount_out, const TradeReceipt& receipt);

  // Finalises a pending trade as failed with `reason` (and the receipt of a reverted
  // transaction, if any); false when it was not pending.
  bool fail(std::int64_t id, const std::string& reason, const std::optional<TradeReceipt>& receipt, KeepTxHash keep);

  // Deletes finalised trades created before `cutoff` in short batches, so the daemon's writers
  // wait at most one batch; pending trades are kept and counted.
  CleanupResult delete_older_than(const std::string& cutoff, DryRun dry_run);

private:
  template <typename F>
  auto timed(std::string_view name, F&& f);

  SQLite::Database& m_db;
  QueryObserver m_observer;
};

}  // namespace bscbot::core::db
