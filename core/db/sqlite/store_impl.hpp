#pragma once
// The SQLite store's parts (store.cpp, trades.cpp, samples.cpp, state.cpp); nothing outside
// core/db/sqlite includes this.
#include <SQLiteCpp/Exception.h>
#include <fmt/format.h>

#include <filesystem>
#include <optional>
#include <string>

#include "core/db/pool.hpp"
#include "core/db/retry.hpp"
#include "core/db/sqlite/connection.hpp"
#include "core/db/store.hpp"
#include "core/error.hpp"

namespace bscbot::core::db::sqlite {

using SqlitePool = Pool<Connection>;

// Runs `f(Connection&)` on a borrowed connection, timed as `name`, with SQLite's exceptions
// turned into DbError(database) naming the query (and broken connections dropped): transient
// when the database was locked, read-only or full, so a trade write can be repeated.
class Runner {
public:
  Runner(SqlitePool& pool, QueryObserver observer) : m_pool(pool), m_observer(std::move(observer)) {}

  template <typename F>
  auto operator()(std::string_view name, F&& f) {
    auto lease = m_pool.acquire();
    try {
      return observed(m_observer, name, [&] { return f(*lease); });
    } catch (const SQLite::Exception& e) {
      if (breaks_connection(e)) lease.discard();
      const DbState state = classify(e);
      const bool transient = state == DbState::locked || state == DbState::readonly || state == DbState::disk_full;
      throw DbError(ErrorKind::database, fmt::format("query {} failed: {}", name, e.what()),
                    transient ? DbFailure::transient : DbFailure::permanent);
    }
  }

private:
  SqlitePool& m_pool;
  QueryObserver m_observer;
};

class Trades final : public TradeStore {
public:
  explicit Trades(Runner& run) : m_run(run) {}
  std::int64_t insert(const NewTrade& trade) override;
  std::optional<Trade> find(std::int64_t id) override;
  std::optional<Trade> find_by_tx_hash(const std::string& tx_hash) override;
  std::vector<Trade> history(const HistoryQuery& query) override;
  TradeStats stats(SystemTime since) override;
  std::vector<DailyTrades> daily(SystemTime since, SystemTime until) override;
  std::vector<HourlyTrades> hourly(SystemTime since, SystemTime until) override;
  Wei volume_in(SystemTime since) override;
  std::vector<TradedPair> traded_pairs(int limit) override;
  std::vector<Trade> suspicious(const Wei& limit, int max_rows) override;
  std::vector<Trade> pending() override;
  std::optional<TradeSpan> span() override;
  bool mark_signed(std::int64_t id, const SignedTrade& signed_trade) override;
  bool complete(std::int64_t id, const Wei& amount_out, const TradeReceipt& receipt) override;
  bool fail(std::int64_t id, const std::string& reason, const std::optional<TradeReceipt>& receipt, KeepTxHash keep) override;
  CleanupResult delete_older_than(SystemTime cutoff, DryRun dry_run) override;

private:
  // Trades per UTC day or hour, for daily() and hourly().
  std::vector<std::pair<std::string, TradeStats>> grouped(const char* name, int chars, SystemTime since, SystemTime until);
  Runner& m_run;
};

class Lanes final : public LaneStore {
public:
  explicit Lanes(Runner& run) : m_run(run) {}
  std::optional<Fence> acquire(const std::string& wallet, const std::string& owner, std::chrono::seconds ttl) override;
  bool renew(const Fence& fence) override;
  void release(const Fence& fence) override;
  std::vector<LeaseInfo> leases() override;
  std::vector<Trade> claim(const Fence& fence, int limit) override;
  std::map<std::string, std::int64_t> pending_by_wallet() override;
  bool cancel_queued(std::int64_t id, const std::string& error) override;
  bool record_first_send(const Fence& fence, std::int64_t trade_id, const SignedTrade& signed_trade, const TxRecord& tx) override;
  bool record_tx(const Fence& fence, const TxRecord& tx) override;
  bool mark_tx(const Fence& fence, const std::string& tx_hash, TxState state) override;
  bool settle(const Fence& fence, const NonceOutcome& outcome) override;
  bool fail_unsent(const Fence& fence, std::int64_t trade_id, const std::string& error) override;
  std::vector<TradeTx> unsettled(const std::string& wallet) override;
  std::vector<TradeTx> transactions(std::int64_t trade_id) override;
  std::optional<std::int64_t> max_nonce(const std::string& wallet) override;
  bool request(std::int64_t trade_id, OperatorRequest request) override;
  std::vector<std::pair<std::int64_t, OperatorRequest>> requests(const std::string& wallet) override;
  bool clear_request(const Fence& fence, std::int64_t trade_id) override;
  std::vector<WalletStats> stats_by_wallet(SystemTime since) override;

private:
  Runner& m_run;
};

class Samples final : public MetricStore {
public:
  explicit Samples(Runner& run) : m_run(run) {}
  bool available() override;
  void record(SystemTime sampled_at, const std::vector<metrics::NamedValue>& values) override;
  std::int64_t prune_older_than(SystemTime cutoff) override;
  std::vector<DailyMetric> daily(SystemTime since, SystemTime until) override;
  std::optional<TimedValue> first_since(const std::string& name, SystemTime since) override;
  std::optional<TimedValue> latest(const std::string& name) override;
  std::vector<TimedValue> series(const std::string& name, SystemTime since, int max_rows) override;

private:
  Runner& m_run;
};

class State final : public StateStore {
public:
  explicit State(Runner& run) : m_run(run) {}
  std::optional<std::string> get(const std::string& key) override;
  void set(const std::string& key, const std::string& value) override;

private:
  Runner& m_run;
};

// Whole tables in one transaction on a connection of `pool` (tables.cpp).
std::unique_ptr<TableReader> open_reader(SqlitePool& pool);
std::unique_ptr<TableWriter> open_writer(SqlitePool& pool);
// The columns of a trade, in read_trade()'s order.
inline constexpr std::string_view k_trade_columns =
    "id, tx_hash, wallet_address, token_in, token_out, amount_in, amount_out, amount_out_min, "
    "quoted_amount_out, path, slippage_bps, deadline, gas_limit, gas_price, gas_used, gas_fee, "
    "nonce, chain_id, block_number, status, error, created_at, updated_at, finalized_at, deadline_seconds, operator_request";
Trade read_trade(SQLite::Statement& q);

// SQLite's datetime() text ("YYYY-MM-DD HH:MM:SS", UTC) to an instant; throws core::Error(data).
SystemTime read_time(const SQLite::Column& c);
std::optional<SystemTime> read_optional_time(const SQLite::Column& c);

}  // namespace bscbot::core::db::sqlite
