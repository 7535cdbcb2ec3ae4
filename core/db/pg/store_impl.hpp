#pragma once
// The PostgreSQL store's parts (store.cpp, trades.cpp, samples.cpp, state.cpp); nothing outside
// core/db/pg includes this.
#include <fmt/format.h>

#include <string>

#include "core/db/pg/connection.hpp"
#include "core/db/pool.hpp"
#include "core/db/store.hpp"
#include "core/error.hpp"

namespace bscbot::core::db::pg {

using PgPool = Pool<Connection>;

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
          throw Error(ErrorKind::unavailable, fmt::format("query {} failed: connection to PostgreSQL {} lost: {}", name, m_location, failure.message));
        }
        throw Error(failure.sqlstate.starts_with("23") ? ErrorKind::data : ErrorKind::database,
                    fmt::format("query {} failed: {}{}", name, failure.message, failure.sqlstate.empty() ? "" : " (SQLSTATE " + failure.sqlstate + ")"));
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

class Trades final : public TradeStore {
public:
  explicit Trades(Runner& run) : m_run(run) {}
  std::int64_t insert(const NewTrade& trade) override;
  std::optional<Trade> find(std::int64_t id) override;
  std::optional<Trade> find_by_tx_hash(const std::string& tx_hash) override;
  std::vector<Trade> history(const HistoryQuery& query) override;
  TradeStats stats(SystemTime since) override;
  std::vector<DailyTrades> daily(SystemTime since, SystemTime until) override;
  Wei volume_in(SystemTime since) override;
  std::vector<Trade> suspicious(const Wei& limit, int max_rows) override;
  std::vector<Trade> pending() override;
  std::optional<TradeSpan> span() override;
  bool mark_signed(std::int64_t id, const SignedTrade& signed_trade) override;
  bool complete(std::int64_t id, const Wei& amount_out, const TradeReceipt& receipt) override;
  bool fail(std::int64_t id, const std::string& reason, const std::optional<TradeReceipt>& receipt, KeepTxHash keep) override;
  CleanupResult delete_older_than(SystemTime cutoff, DryRun dry_run) override;

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

}  // namespace bscbot::core::db::pg
