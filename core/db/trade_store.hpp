#pragma once
// Every query on `trades`, as an interface each backend implements (core/db/sqlite,
// core/db/pg), so commands, checks, reports and the daemon never hold SQL. Implementations are
// safe to call from several threads: each call borrows a connection from the store's pool.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/db/trade.hpp"
#include "core/util/clock.hpp"
#include "core/util/wei.hpp"

namespace bscbot::core::db {

// Told the name and duration of every query, for slow-query logs and the P95 histogram.
using QueryObserver = std::function<void(std::string_view query, std::chrono::microseconds took)>;

enum class DryRun { no, yes };

struct HistoryQuery {
  int limit = 20;                          // 1..1000
  std::optional<std::string> wallet;       // exact address (case-insensitive)
  std::optional<TradeStatus> status;
  std::optional<SystemTime> since;         // created_at > since
};

// The manual's 24-hour business metrics.
struct TradeStats {
  std::int64_t total = 0;
  std::int64_t completed = 0;
  std::int64_t failed = 0;
  std::int64_t pending = 0;
  std::optional<double> success_rate;      // percent of all trades; none without trades
  std::optional<double> avg_gas_fee_wei;   // AVG(gas_fee), as the manual computes it
  std::int64_t distinct_wallets = 0;
};

// A pair of tokens trades went between (in that direction), and how many.
struct TradedPair {
  std::string token_in;
  std::string token_out;
  std::int64_t trades = 0;
};

// The trades of one UTC day, for the weekly report.
struct DailyTrades {
  std::string day;                         // "YYYY-MM-DD"
  TradeStats stats;
};

struct HourlyTrades {
  std::string hour;                        // "YYYY-MM-DD HH", UTC
  TradeStats stats;
};

struct CleanupResult {
  std::int64_t deleted = 0;                // rows removed (or that would be, on a dry run)
  std::int64_t kept_pending = 0;           // old pending trades kept for reconciliation
  SystemTime cutoff;                       // created_at < cutoff
};

// The oldest and newest trade, for `db stats` and backup manifests.
struct TradeSpan {
  SystemTime oldest;
  SystemTime newest;
  std::int64_t max_id = 0;
};

// What is known about a swap once it is signed, written before it is broadcast so a crash
// after sending still leaves its hash and nonce for reconciliation.
struct SignedTrade {
  Wei quoted_amount_out;          // router getAmountsOut
  Wei amount_out_min;
  std::int64_t slippage_bps = 0;
  std::int64_t deadline = 0;      // unix seconds
  std::int64_t gas_limit = 0;
  Wei gas_price;
  std::int64_t nonce = 0;
  std::int64_t chain_id = 0;
  std::string tx_hash;            // 0x-prefixed, lower case
  std::string path;               // comma-separated addresses the router swaps through
};

// What a mined receipt says about a swap.
struct TradeReceipt {
  std::int64_t gas_used = 0;
  Wei gas_fee;                    // gas_used * effective gas price
  std::int64_t block_number = 0;
};

// Whether a failed trade keeps its transaction hash: a transaction the node refused never
// existed on chain, so its hash is cleared; one that was broadcast keeps it.
enum class KeepTxHash { no, yes };

class TradeStore {
public:
  virtual ~TradeStore() = default;

  // Records a new pending trade and returns its id.
  virtual std::int64_t insert(const NewTrade& trade) = 0;

  virtual std::optional<Trade> find(std::int64_t id) = 0;
  virtual std::optional<Trade> find_by_tx_hash(const std::string& tx_hash) = 0;

  // Newest first; throws core::Error(usage) for a limit outside 1..1000.
  virtual std::vector<Trade> history(const HistoryQuery& query) = 0;

  // Metrics over trades created after `since`.
  virtual TradeStats stats(SystemTime since) = 0;

  // Metrics per UTC day over trades created in (since, until], oldest day first; days
  // without trades are absent.
  virtual std::vector<DailyTrades> daily(SystemTime since, SystemTime until) = 0;

  // The same per UTC hour (the status page's last 24 hours).
  virtual std::vector<HourlyTrades> hourly(SystemTime since, SystemTime until) = 0;

  // Exact sum of amount_in over trades created after `since`.
  virtual Wei volume_in(SystemTime since) = 0;

  // The token pairs trades went between, most traded first, at most `limit` (the market
  // endpoints list these tokens and pairs).
  virtual std::vector<TradedPair> traded_pairs(int limit) = 0;

  // Trades whose amount_in is above `limit` (exact uint256 comparison), or that were changed
  // after they were finalised; newest first, at most `max_rows`.
  virtual std::vector<Trade> suspicious(const Wei& limit, int max_rows) = 0;

  // Pending trades, oldest first: the queue to reconcile after a restart.
  virtual std::vector<Trade> pending() = 0;

  // Oldest and newest created_at and the largest id; nullopt without trades.
  virtual std::optional<TradeSpan> span() = 0;

  // Records the signed transaction of a pending, unsent trade; false when the trade is no
  // longer pending or already has a transaction.
  virtual bool mark_signed(std::int64_t id, const SignedTrade& signed_trade) = 0;

  // Finalises a pending trade as completed with what the chain reported; false when it was not
  // pending. updated_at and finalized_at get the same time, so the audit sees no later edit.
  virtual bool complete(std::int64_t id, const Wei& amount_out, const TradeReceipt& receipt) = 0;

  // Finalises a pending trade as failed with `reason` (and the receipt of a reverted
  // transaction, if any); false when it was not pending.
  virtual bool fail(std::int64_t id, const std::string& reason, const std::optional<TradeReceipt>& receipt, KeepTxHash keep) = 0;

  // Deletes finalised trades created before `cutoff` in short batches, so the daemon's writers
  // wait at most one batch; pending trades are kept and counted.
  virtual CleanupResult delete_older_than(SystemTime cutoff, DryRun dry_run) = 0;
};

// Rules every backend applies the same way.
namespace trade_rules {

// Throws core::Error(usage) naming the limit when it is outside 1..1000.
void check_history_limit(int limit);

// Addresses and hashes are stored in lower case, so lookups are exact.
std::string lower(std::string_view text);

// The manual's success rate: completed over all trades, pending included.
void derive_success_rate(TradeStats& stats);

}  // namespace trade_rules

}  // namespace bscbot::core::db
