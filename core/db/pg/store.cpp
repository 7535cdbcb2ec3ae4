// The PostgreSQL store: a pool of libpq connections that rides out a server restart or
// failover, migrations under an advisory lock (several daemons may start at once), and the
// manual's maintenance (pg_database_size, VACUUM, ANALYZE).
#include "core/db/pg/pg_store.hpp"
#include "core/db/pg/store_impl.hpp"
#include "core/db/schema_pg.hpp"

namespace bscbot::core::db::pg {

std::vector<std::string> applied_names(Connection& c) {
  std::vector<std::string> names;
  if (c.exec("SELECT to_regclass('knex_migrations')").is_null(0, 0)) return names;
  const Result r = c.exec("SELECT name FROM knex_migrations ORDER BY id");
  for (int i = 0; i < r.rows(); ++i) names.emplace_back(r.text(i, 0));
  return names;
}

DatabaseStats read_stats(Connection& c, const std::string& location) {
  DatabaseStats s;
  s.backend = "pg";
  s.location = location;
  const Result r = c.exec("SELECT pg_database_size(current_database()), current_setting('server_version')");
  s.size_bytes = static_cast<std::uintmax_t>(r.integer(0, 0));
  s.server_version = std::string(r.text(0, 1));
  s.schema_version = schema_status_of(applied_names(c)).current;
  for (const std::string& table : counted_tables()) {
    if (c.exec("SELECT to_regclass($1)", {Param::of(table)}).is_null(0, 0)) continue;
    s.tables.push_back({table, c.exec(fmt::format("SELECT COUNT(*) FROM {}", table)).integer(0, 0)});
  }
  if (!c.exec("SELECT to_regclass('trades')").is_null(0, 0)) {
    const Result span = c.exec(fmt::format("SELECT {}, {} FROM trades", epoch_us("MIN(created_at)"), epoch_us("MAX(created_at)")));
    s.oldest_trade = span.opt_time(0, 0);
    s.newest_trade = span.opt_time(0, 1);
  }
  return s;
}

namespace {

// pg_advisory_lock key of schema migrations: "bscbot" in ASCII.
constexpr std::int64_t k_migration_lock = 0x627363626f74;

class PgStore final : public Store {
public:
  PgStore(const ConnectSettings& settings, Access access, StoreOptions options)
      : m_settings(settings),
        m_location(describe_url(settings.url)),
        m_access(access),
        m_pool([this] { return open_connection(); }, options.pool_min, options.pool_max, m_location),
        m_run(m_pool, options.observer, m_location),
        m_trades(m_run),
        m_samples(m_run),
        m_state(m_run),
        m_lanes(m_run, settings) {}

  Backend backend() const override { return Backend::pg; }
  const std::string& location() const override { return m_location; }
  TradeStore& trades() override { return m_trades; }
  MetricStore& samples() override { return m_samples; }
  StateStore& state() override { return m_state; }
  LaneStore& lanes() override { return m_lanes; }

  SchemaStatus schema_status() override {
    return m_run("schema.status", Retry::safe, [&](Connection& c) { return schema_status_of(applied_names(c)); });
  }

  std::vector<std::string> migrate(std::span<const Migration> migrations) override {
    std::vector<std::string> applied;
    m_run("schema.migrate", Retry::no, [&](Connection& c) {
      // One migrator at a time; a second daemon starting now waits and then finds nothing to do.
      c.exec("SELECT pg_advisory_lock($1)", {Param::of(k_migration_lock)});
      struct Unlock {
        Connection& c;
        ~Unlock() {
          try {
            c.exec("SELECT pg_advisory_unlock($1)", {Param::of(k_migration_lock)});
          } catch (const FailureError&) {
            // The session is gone, and its lock with it.
          }
        }
      } unlock{c};
      c.run(std::string(schema::pg::k_bookkeeping));
      const SchemaStatus status = schema_status_of(applied_names(c), migrations);
      require_known_schema(status, m_location);
      if (status.pending.empty()) return 0;
      const std::int64_t batch = c.exec("SELECT COALESCE(MAX(batch), 0) + 1 FROM knex_migrations").integer(0, 0);
      for (const Migration& m : migrations) {
        const std::string name = migration_name(m);
        if (std::find(status.pending.begin(), status.pending.end(), name) == status.pending.end()) continue;
        c.run("BEGIN");
        try {
          c.run(std::string(m.pg_sql));
          c.exec("INSERT INTO knex_migrations (name, batch, migration_time) VALUES ($1, $2, now())", {Param::of(name), Param::of(batch)});
          c.run("COMMIT");
        } catch (...) {
          try {
            c.run("ROLLBACK");
          } catch (const FailureError&) {
            // Lost with the connection; the server rolled it back.
          }
          throw;
        }
        applied.push_back(name);
      }
      return 0;
    });
    return applied;
  }

  bool empty() override {
    return m_run("schema.empty", Retry::safe, [&](Connection& c) {
      return c.exec("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()").integer(0, 0) == 0;
    });
  }

  DatabaseStats stats() override {
    return m_run("db.stats", Retry::safe, [&](Connection& c) { return read_stats(c, m_location); });
  }

  std::uintmax_t size_bytes() override {
    return m_run("db.size", Retry::safe, [&](Connection& c) {
      return static_cast<std::uintmax_t>(c.exec("SELECT pg_database_size(current_database())").integer(0, 0));
    });
  }

  std::optional<std::filesystem::path> local_folder() const override { return std::nullopt; }

  std::int64_t vacuum() override {
    return m_run("db.vacuum", Retry::safe, [&](Connection& c) {
      const std::int64_t before = c.exec("SELECT pg_database_size(current_database())").integer(0, 0);
      c.run("VACUUM");
      return before - c.exec("SELECT pg_database_size(current_database())").integer(0, 0);
    });
  }

  void analyze() override {
    m_run("db.analyze", Retry::safe, [&](Connection& c) {
      c.run("ANALYZE");
      return 0;
    });
  }

  std::string check_integrity(CheckDepth depth) override {
    return m_run("db.integrity", Retry::safe, [&](Connection& c) {
      std::string problems;
      for (const std::string& table : required_tables()) {
        if (c.exec("SELECT to_regclass($1)", {Param::of(table)}).is_null(0, 0)) {
          problems += (problems.empty() ? "" : "; ") + fmt::format("table {} is missing", table);
        } else if (depth == CheckDepth::full) {
          // Reading every row makes the server read (and, with data checksums, verify) every page.
          c.exec(fmt::format("SELECT COUNT(*) FROM (SELECT * FROM {}) AS t", table));
        }
      }
      return problems.empty() ? std::string("ok") : problems;
    });
  }

  WriteProbe probe_writable() override {
    WriteProbe probe;
    try {
      auto lease = m_pool.acquire();
      Connection& c = *lease;
      try {
        // A standby, or a primary that lost its standbys with synchronous commit, takes no write.
        const Result r = c.exec("SELECT pg_is_in_recovery(), current_setting('transaction_read_only'), pg_database_size(current_database())");
        probe.size_bytes = static_cast<std::uintmax_t>(r.integer(0, 2));
        if (r.text(0, 0) == "t" || r.text(0, 1) == "on") {
          probe.state = DbState::readonly;
          probe.error = "the server is a read-only standby (pg_is_in_recovery) or read-only; point DATABASE_URL at the primary";
          return probe;
        }
        // The lock every trade write takes, without waiting: a table locked by someone else
        // (LOCK TABLE, VACUUM FULL, ALTER TABLE) answers lock_not_available at once.
        c.run("BEGIN");
        try {
          c.run("LOCK TABLE trades IN ROW EXCLUSIVE MODE NOWAIT");
          c.run("ROLLBACK");
        } catch (...) {
          try {
            c.run("ROLLBACK");
          } catch (const FailureError&) {
          }
          throw;
        }
        probe.state = DbState::ok;
      } catch (const FailureError& e) {
        probe.state = e.failure().state();
        probe.error = e.failure().message;
        if (e.failure().connection_lost || !c.healthy()) {
          lease.discard();
          m_pool.drop_idle();
        }
      }
    } catch (const Error& e) {
      probe.state = e.kind() == ErrorKind::unavailable ? DbState::unreachable : DbState::error;
      probe.error = e.what();
    }
    return probe;
  }

  PoolStatus pool_status() const override { return m_pool.status(); }

  std::optional<ServerFacts> server_facts() override {
    return m_run("db.server_facts", Retry::safe, [&](Connection& c) {
      ServerFacts f;
      const Result r = c.exec(
          "SELECT current_user, COALESCE((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false), pg_is_in_recovery(), "
          "COALESCE((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)");
      f.user = std::string(r.text(0, 0));
      f.superuser = r.text(0, 1) == "t";
      f.standby = r.text(0, 2) == "t";
      f.ssl = r.text(0, 3) == "t";
      if (f.standby) {
        // Caught up means no lag, however long ago the primary last wrote.
        const Result lag = c.exec(
            "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
            "ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END::float8");
        if (!lag.is_null(0, 0)) f.replay_lag_s = lag.number(0, 0);
      } else {
        const Result standbys = c.exec(
            "SELECT COALESCE(application_name, ''), COALESCE(client_addr::text, 'local'), COALESCE(state, 'unknown'), "
            "EXTRACT(EPOCH FROM replay_lag)::float8 FROM pg_stat_replication");
        for (int i = 0; i < standbys.rows(); ++i) {
          Standby s{std::string(standbys.text(i, 0)), std::string(standbys.text(i, 1)), std::string(standbys.text(i, 2)), std::nullopt};
          // No replay_lag row yet means nothing to replay: idle and caught up.
          s.replay_lag_s = standbys.is_null(i, 3) ? (s.state == "streaming" ? std::optional<double>(0.0) : std::nullopt)
                                                  : std::optional<double>(standbys.number(i, 3));
          f.standbys.push_back(std::move(s));
        }
      }
      return f;
    });
  }

  std::unique_ptr<TableReader> read_tables() override { return open_reader(m_pool, m_location); }
  std::unique_ptr<TableWriter> write_tables() override { return open_writer(m_pool, m_location); }

  std::vector<std::vector<std::string>> query_rows(const std::string& sql) override {
    return m_run("db.query_rows", Retry::no, [&](Connection& c) {
      const Result r = c.run(sql);
      std::vector<std::vector<std::string>> rows;
      for (int i = 0; i < r.rows(); ++i) {
        auto& row = rows.emplace_back();
        for (int j = 0; j < r.columns(); ++j) row.emplace_back(r.text(i, j));
      }
      return rows;
    });
  }

private:
  std::unique_ptr<Connection> open_connection() {
    auto c = std::make_unique<Connection>(m_settings);
    if (m_access == Access::read_only) c->run("SET default_transaction_read_only = on");
    return c;
  }

  ConnectSettings m_settings;
  std::string m_location;
  Access m_access;
  PgPool m_pool;
  Runner m_run;
  Trades m_trades;
  Samples m_samples;
  State m_state;
  Lanes m_lanes;
};

}  // namespace

std::unique_ptr<Store> open_pg_store(const ConnectSettings& settings, Access access, StoreOptions options) {
  if (settings.url.empty()) throw Error(ErrorKind::config, "DB_CLIENT=pg needs DATABASE_URL (postgresql://user@host:5432/bsc_trading_bot)");
  return std::make_unique<PgStore>(settings, access, std::move(options));
}

}  // namespace bscbot::core::db::pg
