// The SQLite store: one file in WAL mode, a pool of connections, migrations, maintenance and
// the write probe, including what only a file can suffer (deleted, replaced, its disk full).
#include <SQLiteCpp/Transaction.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <array>
#include <optional>

#include "core/db/database.hpp"
#include "core/db/schema_sqlite.hpp"
#include "core/db/sqlite/planner_stats.hpp"
#include "core/db/sqlite/sqlite_store.hpp"
#include "core/db/sqlite/store_impl.hpp"
#include "core/util/crash_point.hpp"
#include "core/util/files.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::db::sqlite {

namespace {

ino_t inode_of(const fs::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// The database file's first bytes as they are on disk, read through the connection's own file
// handle (SQLite's VFS), not the page cache. Never open and close the live file outside SQLite
// in a process that has it open: closing any descriptor of a file drops every POSIX lock the
// process holds on it, SQLite's included, and another process would then checkpoint and delete
// the -wal under our readers.
std::optional<std::array<char, 20>> file_header(SQLite::Database& db) {
  sqlite3_file* file = nullptr;
  if (sqlite3_file_control(db.getHandle(), "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK || !file || !file->pMethods) return std::nullopt;
  std::array<char, 20> header{};
  // A short read (a file being written, or empty) is judged next time.
  if (file->pMethods->xRead(file, header.data(), static_cast<int>(header.size()), 0) != SQLITE_OK) return std::nullopt;
  return header;
}

bool says_wal(const std::array<char, 20>& h) { return std::memcmp(h.data(), "SQLite format 3", 16) == 0 && h[18] == 2 && h[19] == 2; }

// Empty while the header is a WAL database's, else why it is not any more. Our connections never
// write a header that leaves WAL mode, but `cp` of a backup over the live file does (a backup is
// a rollback-journal file): its pages and our -wal would make a database that never existed.
std::string overwritten_in_place(const std::array<char, 20>& h) {
  if (std::memcmp(h.data(), "SQLite format 3", 16) != 0) return "it is no SQLite database any more";
  if (!says_wal(h)) return "its header now says rollback-journal mode, as a backup file's does";
  return "";
}

std::uintmax_t size_with_wal(const fs::path& path) {
  std::error_code ec;
  std::uintmax_t bytes = fs::file_size(path, ec);
  if (ec) bytes = 0;
  const auto wal = fs::file_size(path.string() + "-wal", ec);
  if (!ec) bytes += wal;
  return bytes;
}

class SqliteStore final : public Store {
public:
  SqliteStore(fs::path path, Access access, int busy_timeout_ms, StoreOptions options)
      : m_path(std::move(path)),
        m_location(m_path.string()),
        m_access(access),
        m_pool(
            [this, busy_timeout_ms, cache_kib = options.sqlite_cache_kib] {
              // Later connections find the file the first one created.
              auto c = std::make_unique<Connection>(m_path, m_access == Access::create ? Access::read_write : m_access, busy_timeout_ms);
              if (cache_kib > 0) c->db().exec(fmt::format("PRAGMA cache_size = -{}", cache_kib));
              return c;
            },
            0, options.pool_max, m_location),
        m_run(m_pool, options.observer),
        m_trades(m_run),
        m_samples(m_run),
        m_state(m_run),
        m_lanes(m_run) {
    // The first connection creates the file (Access::create) or finds it missing, with the error
    // naming the file; the pool then keeps it.
    m_first = std::make_unique<Connection>(m_path, access, busy_timeout_ms);
    m_inode = inode_of(m_path);
    const auto header = file_header(m_first->db());
    m_wal = header && says_wal(*header);
    m_first.reset();
    std::vector<SqlitePool::Lease> warm;
    for (int i = 0; i < options.pool_min && i < options.pool_max; ++i) warm.push_back(m_pool.acquire());
  }

  Backend backend() const override { return Backend::sqlite; }
  const std::string& location() const override { return m_location; }
  TradeStore& trades() override { return m_trades; }
  MetricStore& samples() override { return m_samples; }
  StateStore& state() override { return m_state; }
  LaneStore& lanes() override { return m_lanes; }

  SchemaStatus schema_status() override {
    return m_run("schema.status", [&](Connection& c) { return db::schema_status(c.db()); });
  }

  std::vector<std::string> migrate(std::span<const Migration> migrations) override {
    std::vector<std::string> applied;
    m_run("schema.migrate", [&](Connection& c) {
      SQLite::Database& db = c.db();
      db.exec(std::string(schema::sqlite::k_bookkeeping));
      const SchemaStatus status = schema_status_of(db::schema_status(db).applied, migrations);
      require_known_schema(status, m_location);
      if (status.pending.empty()) return 0;
      const int batch = db.execAndGet("SELECT COALESCE(MAX(batch), 0) + 1 FROM knex_migrations").getInt();
      for (const Migration& m : migrations) {
        const std::string name = migration_name(m);
        if (std::find(status.pending.begin(), status.pending.end(), name) == status.pending.end()) continue;
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        db.exec(std::string(m.sqlite_sql));
        SQLite::Statement record(db, "INSERT INTO knex_migrations (name, batch, migration_time) VALUES (?, ?, strftime('%Y-%m-%d %H:%M:%f', 'now'))");
        record.bind(1, name);
        record.bind(2, batch);
        record.exec();
        db.exec(fmt::format("PRAGMA user_version = {}", m.version));
        db.exec(fmt::format("PRAGMA application_id = {}", k_application_id));
        crash_point("migrate.uncommitted");
        tx.commit();
        crash_point("migrate.committed");
        applied.push_back(name);
      }
      return 0;
    });
    return applied;
  }

  bool empty() override {
    return m_run("schema.empty", [&](Connection& c) {
      return c.db().execAndGet("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").getInt() == 0;
    });
  }

  DatabaseStats stats() override {
    return m_run("db.stats", [&](Connection& c) {
      SQLite::Database& db = c.db();
      DatabaseStats s;
      s.backend = "sqlite";
      s.location = m_location;
      std::error_code ec;
      const fs::path wal = m_path.string() + "-wal";
      s.wal_bytes = fs::exists(wal, ec) ? fs::file_size(wal, ec) : 0;
      s.size_bytes = size_with_wal(m_path);
      s.page_size = db.execAndGet("PRAGMA page_size").getInt64();
      s.page_count = db.execAndGet("PRAGMA page_count").getInt64();
      s.freelist_pages = db.execAndGet("PRAGMA freelist_count").getInt64();
      s.journal_mode = journal_mode(db);
      s.schema_version = db.execAndGet("PRAGMA user_version").getInt();
      s.tables = count_rows(db);
      if (db.tableExists("trades")) {
        SQLite::Statement q(db, k_trade_ends_sql);
        q.executeStep();
        s.oldest_trade = read_optional_time(q.getColumn(0));
        s.newest_trade = read_optional_time(q.getColumn(1));
      }
      return s;
    });
  }

  std::uintmax_t size_bytes() override { return size_with_wal(m_path); }

  std::optional<fs::path> local_folder() const override { return m_path.parent_path().empty() ? fs::path(".") : m_path.parent_path(); }

  std::int64_t vacuum() override {
    const auto before = static_cast<std::int64_t>(size_with_wal(m_path));
    m_run("db.vacuum", [&](Connection& c) {
      c.db().exec("VACUUM");
      // Fold the WAL back so the file size on disk reflects the result.
      c.db().exec("PRAGMA wal_checkpoint(TRUNCATE)");
      return 0;
    });
    return before - static_cast<std::int64_t>(size_with_wal(m_path));
  }

  void analyze() override {
    m_run("db.analyze", [&](Connection& c) {
      c.db().exec("ANALYZE");
      keep_status_breakdown_searching(c.db());
      return 0;
    });
  }

  std::string check_integrity(CheckDepth depth) override {
    return m_run("db.integrity", [&](Connection& c) { return db::check_integrity(c.db(), depth == CheckDepth::full); });
  }

  WriteProbe probe_writable() override {
    WriteProbe probe;
    const fs::path folder = m_path.parent_path().empty() ? fs::path(".") : m_path.parent_path();
    try {
      probe.free_bytes = available_bytes(folder);
    } catch (const std::exception&) {
      probe.free_bytes = 0;
    }
    probe.size_bytes = size_with_wal(m_path);
    const ino_t inode = inode_of(m_path);
    if (inode == 0) {
      probe.state = DbState::missing;
      probe.error = "database file " + m_location + " is gone";
      return probe;
    }
    if (m_inode != 0 && inode != m_inode) {
      // Someone replaced the file under us (a `cp` restore): our connections still write the old one.
      probe.state = DbState::replaced;
      probe.error = "database file was replaced while bscbotd was running; restart bscbotd (use `bscbot restore`)";
      return probe;
    }
    if (m_wal) {
      std::string why;
      try {
        auto lease = m_pool.acquire();
        if (const auto header = file_header(lease->db())) why = overwritten_in_place(*header);
      } catch (const Error&) {
        // No connection to read it with: the write probe below says why.
      }
      if (!why.empty()) {
        probe.state = DbState::replaced;
        probe.error = fmt::format("database file {} was overwritten in place while bscbotd was running ({}); bscbotd no longer reads "
                                  "or writes it: stop bscbotd and restore with `bscbot restore`, which sets the -wal aside (never cp a live "
                                  "database)",
                                  m_location, why);
        // Nothing more goes into the file: no statement, and no checkpoint of our -wal into the
        // copied pages when the connections close.
        m_pool.fence(probe.error, [](Connection& c) { sqlite3_db_config(c.db().getHandle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr); });
        return probe;
      }
    }
    // A connection opened while the file could not be written is read-only for good (SQLite
    // falls back silently, and BEGIN IMMEDIATE still succeeds on it): close those, so that the
    // pool opens writable ones as soon as the file is writable again.
    m_pool.drop_idle_if([](Connection& c) { return sqlite3_db_readonly(c.db().getHandle(), "main") == 1; });
    try {
      auto lease = m_pool.acquire();
      SQLite::Database& db = lease->db();
      if (sqlite3_db_readonly(db.getHandle(), "main") == 1) {
        probe.state = DbState::readonly;
        probe.error = "the database file cannot be opened for writing (permissions, an immutable flag or a read-only mount): "
                      "attempt to write a readonly database";
        lease.discard();
        return probe;
      }
      try {
        db.exec("BEGIN IMMEDIATE");
        db.exec("ROLLBACK");
        probe.state = DbState::ok;
      } catch (const SQLite::Exception& e) {
        probe.state = classify(e);
        probe.error = e.what();
        if (sqlite3_get_autocommit(db.getHandle()) == 0) {
          try {
            db.exec("ROLLBACK");
          } catch (const SQLite::Exception&) {
            lease.discard();  // cannot leave the transaction: the connection is unusable
          }
        }
        if (probe.state == DbState::error) lease.discard();
      }
    } catch (const Error& e) {
      probe.state = DbState::error;
      probe.error = e.what();
    }
    return probe;
  }

  PoolStatus pool_status() const override { return m_pool.status(); }

  std::optional<ServerFacts> server_facts() override { return std::nullopt; }

  std::unique_ptr<TableReader> read_tables() override { return open_reader(m_pool); }
  std::unique_ptr<TableWriter> write_tables() override { return open_writer(m_pool); }

  std::vector<std::vector<std::string>> query_rows(const std::string& sql) override {
    return m_run("db.query_rows", [&](Connection& c) {
      SQLite::Statement q(c.db(), sql);
      std::vector<std::vector<std::string>> rows;
      while (q.executeStep()) {
        auto& row = rows.emplace_back();
        for (int i = 0; i < q.getColumnCount(); ++i) row.emplace_back(q.getColumn(i).getText());
      }
      return rows;
    });
  }

private:
  fs::path m_path;
  std::string m_location;
  Access m_access;
  std::unique_ptr<Connection> m_first;
  ino_t m_inode = 0;
  bool m_wal = false;  // a WAL database when opened: its header must keep saying so
  SqlitePool m_pool;
  Runner m_run;
  Trades m_trades;
  Samples m_samples;
  State m_state;
  Lanes m_lanes;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const fs::path& path, Access access, int busy_timeout_ms, StoreOptions options) {
  return std::make_unique<SqliteStore>(path, access, busy_timeout_ms, std::move(options));
}

std::vector<std::string> create_sqlite_database(const fs::path& path, int busy_timeout_ms, const std::function<void(Store&)>& fill) {
  const fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(ErrorKind::io, fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  reclaim_temp_files(dir);
  const fs::path temp = temp_path_beside(path);
  const auto remove_temp = [&] {
    for (const char* side : {"", "-wal", "-shm", "-journal"}) fs::remove(temp.string() + side, ec);
  };
  std::vector<std::string> applied;
  try {
    {
      StoreOptions one;
      one.pool_min = 1;
      one.pool_max = 1;
      auto store = open_sqlite_store(temp, Access::create, busy_timeout_ms, std::move(one));
      crash_point("create.opened");
      applied = store->migrate();
      if (fill) fill(*store);
    }
    // Closed: the last connection folded the WAL into the file and removed it.
    fsync_path(temp);
    crash_point("create.migrated");
    int rc = ::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE);
    if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
      rc = ::link(temp.c_str(), path.c_str());
      if (rc == 0) ::unlink(temp.c_str());
    }
    if (rc != 0) {
      const int err = errno;
      throw Error(err == EEXIST ? ErrorKind::conflict : ErrorKind::io,
                  fmt::format("cannot create database {}: {}", path.string(), err == EEXIST ? "it appeared meanwhile" : std::strerror(err)));
    }
    fsync_path(dir);
    crash_point("create.placed");
  } catch (...) {
    remove_temp();
    throw;
  }
  remove_temp();
  return applied;
}

}  // namespace bscbot::core::db::sqlite
