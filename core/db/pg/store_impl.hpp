#pragma once
// The PostgreSQL store's parts (store.cpp, trades.cpp, samples.cpp, state.cpp); nothing outside
// core/db/pg includes this.
#include <fmt/format.h>

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "core/db/pg/connection.hpp"
#include "core/db/pool.hpp"
#include "core/db/retry.hpp"
#include "core/db/store.hpp"
#include "core/error.hpp"

namespace bscbot::core::db::pg {

using PgPool = Pool<Connection>;

// SQLSTATEs after which the statement surely did not happen and may succeed later: lock and
// statement timeouts, serialization failures and deadlocks, a full disk or memory, a read-only
// server, a server shutting down.
inline bool is_transient_sqlstate(const std::string& s) {
  return s == "55P03" || s == "57014" || s == "40001" || s == "40P01" || s == "25006" || s.starts_with("53") || s.starts_with("57P");
}

// Whether a call may be repeated on a fresh connection after the first one was lost: reads may;
// a write may have committed before the answer was lost, so its caller decides.
enum class Retry { safe, no };

// Runs `f(Connection&)` on a borrowed connection, timed as `name`. A lost connection is dropped
// (with the idle ones, which the same restart or failover took) and a read is tried once more
// on a new one; every failure becomes core::Error naming the query: unavailable when the server
// cannot be reached, database otherwise.
class Runner {
public:
  Runner(PgPool& pool, QueryObserver observer, std::string location)
      : m_pool(pool), m_observer(std::move(observer)), m_location(std::move(location)) {}

  template <typename F>
  auto operator()(std::string_view name, Retry retry, F&& f) {
    for (int attempt = 1;; ++attempt) {
      auto lease = m_pool.acquire();
      try {
        return observed(m_observer, name, [&] { return f(*lease); });
      } catch (const FailureError& e) {
        const Failure& failure = e.failure();
        if (failure.connection_lost || !lease->healthy()) {
          lease.discard();
          m_pool.drop_idle();
          if (retry == Retry::safe && attempt == 1) continue;
          throw DbError(ErrorKind::unavailable, fmt::format("query {} failed: connection to PostgreSQL {} lost: {}", name, m_location, failure.message),
                        DbFailure::connection_lost);
        }
        throw DbError(failure.sqlstate.starts_with("23") ? ErrorKind::data : ErrorKind::database,
                      fmt::format("query {} failed: {}{}", name, failure.message, failure.sqlstate.empty() ? "" : " (SQLSTATE " + failure.sqlstate + ")"),
                      is_transient_sqlstate(failure.sqlstate) ? DbFailure::transient : DbFailure::permanent);
      }
    }
  }

  PgPool& pool() { return m_pool; }

private:
  PgPool& m_pool;
  QueryObserver m_observer;
  std::string m_location;
};

// The names in knex_migrations, oldest first (none without the table).
std::vector<std::string> applied_names(Connection& c);
// `db stats` on `c`'s session (so inside its transaction, when it has one).
DatabaseStats read_stats(Connection& c, const std::string& location);

// Whole tables in one transaction on a connection of `pool` (tables.cpp).
std::unique_ptr<TableReader> open_reader(PgPool& pool, const std::string& location);
std::unique_ptr<TableWriter> open_writer(PgPool& pool, const std::string& location);
// The columns of a trade, in read_trade()'s order.
const std::string& trade_columns();
Trade read_trade(const Result& r, int row);

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
  std::vector<std::pair<std::string, TradeStats>> grouped(const char* name, const char* format, SystemTime since, SystemTime until);
  Runner& m_run;
};

class Lanes final : public LaneStore {
public:
  Lanes(Runner& run, ConnectSettings settings);
  ~Lanes() override;
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
  Connection& session();
  template <typename F>
  auto on_session(std::string_view name, F&& f);

  Runner& m_run;
  ConnectSettings m_settings;
  std::mutex m_mutex;  // guards the session and m_held
  std::unique_ptr<Connection> m_session;
  std::set<std::string> m_held;  // wallets whose advisory lock the session holds
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

}  // namespace bscbot::core::db::pg
