#pragma once
// The SQLite SQL of each migration (schema_pg.hpp has PostgreSQL's). Amounts are uint256 wei as canonical decimal text (lossless);
// timestamps are SQLite datetime() text in UTC.
#include <string_view>

namespace bscbot::core::db::schema::sqlite {

inline constexpr std::string_view k_initial = R"SQL(
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  username TEXT NOT NULL UNIQUE,
  email TEXT,
  role TEXT NOT NULL DEFAULT 'trader' CHECK (role IN ('admin', 'trader', 'viewer')),
  password_hash TEXT,
  created_at DATETIME NOT NULL DEFAULT (datetime('now')),
  updated_at DATETIME NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE wallets (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
  address TEXT NOT NULL UNIQUE CHECK (length(address) = 42 AND address GLOB '0x*'),
  label TEXT,
  is_active INTEGER NOT NULL DEFAULT 1,
  created_at DATETIME NOT NULL DEFAULT (datetime('now')),
  updated_at DATETIME NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE trades (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tx_hash TEXT,
  wallet_address TEXT NOT NULL,
  token_in TEXT NOT NULL,
  token_out TEXT NOT NULL,
  amount_in TEXT NOT NULL
    CHECK (amount_in <> '' AND amount_in NOT GLOB '*[^0-9]*' AND length(amount_in) <= 78),
  amount_out TEXT
    CHECK (amount_out IS NULL OR (amount_out <> '' AND amount_out NOT GLOB '*[^0-9]*' AND length(amount_out) <= 78)),
  amount_out_min TEXT,
  quoted_amount_out TEXT,
  path TEXT NOT NULL DEFAULT '',
  slippage_bps INTEGER,
  deadline INTEGER,
  gas_limit INTEGER,
  gas_price TEXT,
  gas_used INTEGER,
  gas_fee TEXT
    CHECK (gas_fee IS NULL OR (gas_fee <> '' AND gas_fee NOT GLOB '*[^0-9]*' AND length(gas_fee) <= 78)),
  nonce INTEGER,
  chain_id INTEGER,
  block_number INTEGER,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed', 'failed')),
  error TEXT,
  created_at DATETIME NOT NULL DEFAULT (datetime('now')),
  updated_at DATETIME NOT NULL DEFAULT (datetime('now')),
  finalized_at DATETIME
);

-- The manual's indexes ("Index Optimization"), plus created_at for the 24 h business queries.
CREATE INDEX idx_trades_wallet_created ON trades(wallet_address, created_at DESC);
CREATE INDEX idx_trades_status ON trades(status);
CREATE UNIQUE INDEX idx_trades_tx_hash ON trades(tx_hash);
CREATE INDEX idx_trades_created_at ON trades(created_at);

-- Any change to a row moves updated_at, so the audit can spot records edited after they were
-- finalised (updated_at later than finalized_at), whoever made the edit.
CREATE TRIGGER trades_touch_updated_at AFTER UPDATE ON trades
FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN
  UPDATE trades SET updated_at = datetime('now') WHERE id = NEW.id;
END;

CREATE TRIGGER wallets_touch_updated_at AFTER UPDATE ON wallets
FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN
  UPDATE wallets SET updated_at = datetime('now') WHERE id = NEW.id;
END;

CREATE TRIGGER users_touch_updated_at AFTER UPDATE ON users
FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN
  UPDATE users SET updated_at = datetime('now') WHERE id = NEW.id;
END;
)SQL";

// The daemon's durable state: the next nonce per account survives restarts.
inline constexpr std::string_view k_daemon_state = R"SQL(
CREATE TABLE daemon_state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at DATETIME NOT NULL DEFAULT (datetime('now'))
);
)SQL";

// What bscbotd samples every METRIC_SAMPLE_INTERVAL_S (request counts, latency buckets, cache
// hits, memory, database size), so the weekly report and the growth check outlive restarts
// and log rotation. Names are core/metrics/window.hpp's; old rows are pruned by the daemon.
inline constexpr std::string_view k_metric_samples = R"SQL(
CREATE TABLE metric_samples (
  sampled_at DATETIME NOT NULL,
  name TEXT NOT NULL,
  value REAL NOT NULL
);
CREATE INDEX idx_metric_samples_name_time ON metric_samples(name, sampled_at);
CREATE INDEX idx_metric_samples_time ON metric_samples(sampled_at);
)SQL";

// Indexes that keep the manual's 24 h queries fast at tens of millions of trades (bench/run,
// scenario history). SQLite's planner prefers a full index on `status` for the manual's
// `... GROUP BY status` and scans every trade; a partial index serves what needs status (the
// few pending trades) and leaves the 24 h filters to created_at. created_at also covers
// status and gas_fee, so the manual's count, success rate, average gas fee and breakdown read
// the index alone. The manual's `CREATE INDEX IF NOT EXISTS idx_trades_status` stays a no-op.
inline constexpr std::string_view k_covering_indexes = R"SQL(
DROP INDEX idx_trades_status;
CREATE INDEX idx_trades_status ON trades(status) WHERE status = 'pending';
DROP INDEX idx_trades_created_at;
CREATE INDEX idx_trades_created_at ON trades(created_at, status, gas_fee);
)SQL";

// Trading at volume (issue 14): the queue every daemon feeds and one sender per wallet drains,
// every transaction a wallet sent (each hash a trade was sent under, with its signed bytes, so
// whichever was mined is found and what was never mined can be rebroadcast after a crash), the
// per-wallet lease whose epoch fences every write of the sender, and the operator's cancel and
// speed-up requests. SQLite holds one daemon per file, so its lease is trivially granted; the
// tables are the same so both backends share one engine.
inline constexpr std::string_view k_trade_pipeline = R"SQL(
ALTER TABLE trades ADD COLUMN deadline_seconds INTEGER;
ALTER TABLE trades ADD COLUMN claimed_epoch INTEGER;
ALTER TABLE trades ADD COLUMN operator_request TEXT
  CHECK (operator_request IS NULL OR operator_request IN ('cancel', 'speed_up'));
CREATE INDEX idx_trades_queue ON trades(wallet_address, id) WHERE status = 'pending' AND tx_hash IS NULL;

CREATE TABLE trade_transactions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  wallet_address TEXT NOT NULL,
  nonce INTEGER NOT NULL CHECK (nonce >= 0),
  tx_hash TEXT NOT NULL UNIQUE,
  trade_id INTEGER REFERENCES trades(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('swap', 'approve', 'cancel', 'filler')),
  gas_price TEXT NOT NULL CHECK (gas_price <> '' AND gas_price NOT GLOB '*[^0-9]*' AND length(gas_price) <= 78),
  raw_tx TEXT,
  epoch INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'sent' CHECK (state IN ('sent', 'mined', 'replaced', 'dropped', 'refused')),
  block_number INTEGER,
  created_at DATETIME NOT NULL DEFAULT (datetime('now')),
  updated_at DATETIME NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX idx_trade_transactions_open ON trade_transactions(wallet_address, nonce) WHERE state = 'sent';
CREATE INDEX idx_trade_transactions_nonce ON trade_transactions(wallet_address, nonce);
CREATE INDEX idx_trade_transactions_trade ON trade_transactions(trade_id);

CREATE TABLE wallet_leases (
  wallet_address TEXT PRIMARY KEY,
  owner TEXT,
  epoch INTEGER NOT NULL DEFAULT 0,
  session_pid INTEGER,
  acquired_at DATETIME,
  heartbeat_at DATETIME
);
)SQL";

// Index order for the pages operators read most (issue 17). The history route and the wallet
// history sort by `created_at DESC, id DESC`; with `id` in the index after created_at, a backward
// scan yields that order and SQLite stops after the page instead of sorting ties in a temporary
// B-tree. The 24 h indexes stay covering. (An index led by status would let SQLite skip-scan the
// manual's `GROUP BY status` over the last day, but only with fresh ANALYZE statistics: without
// them, or with a small database's, the planner scans that whole index instead, every trade.)
inline constexpr std::string_view k_history_order = R"SQL(
DROP INDEX idx_trades_created_at;
CREATE INDEX idx_trades_created_at ON trades(created_at, id, status, gas_fee);
DROP INDEX idx_trades_wallet_created;
CREATE INDEX idx_trades_wallet_created ON trades(wallet_address, created_at, id);
)SQL";

// The manual's status breakdown (`SELECT status, COUNT(*) ... WHERE created_at > datetime('now',
// '-1 day') GROUP BY status`) read the day's trades from the created_at index and sorted them by
// status in a temporary B-tree: 8 ms at 10 M trades, most of it the sort. An index led by status
// lets SQLite skip-scan instead (one seek per status, then the day's entries already grouped), but
// SQLite takes a skip-scan only when sqlite_stat1 says each status spans at least 18 rows; with no
// statistics, as on every database ANALYZE has not seen, it scans that whole index, every trade.
// So the index comes with its statistics, a row that gives the same plan on 4 trades as on 10 M:
// the table's size as ANALYZE last measured it (where it never did, SQLite's own assumption of
// about a million), a quarter of it per status and never fewer than 20. `ANALYZE sqlite_schema`
// creates sqlite_stat1 where it is missing (no CREATE TABLE may name it) and, after the insert,
// loads the row on this connection; the CREATE INDEX changes the schema, so every other
// connection reloads it too. A later ANALYZE measures the index itself, which searches from about
// 100 trades on; below that `bscbot db analyze` writes this row again
// (core/db/sqlite/planner_stats.cpp).
#define BSCBOT_STATUS_CREATED_STATS                                                              \
  "ANALYZE sqlite_schema;\n"                                                                      \
  "DELETE FROM sqlite_stat1 WHERE idx = 'idx_trades_status_created';\n"                           \
  "INSERT INTO sqlite_stat1 (tbl, idx, stat)\n"                                                   \
  "SELECT 'trades', 'idx_trades_status_created', n || ' ' || max(n / 4, 20) || ' 1'\n"            \
  "FROM (SELECT COALESCE((SELECT CAST(stat AS INTEGER) FROM sqlite_stat1\n"                       \
  "                       WHERE idx = 'idx_trades_created_at'), 1000000) AS n);\n"                \
  "ANALYZE sqlite_schema;\n"
// The row alone, for planner_stats.cpp.
inline constexpr std::string_view k_status_created_stats = BSCBOT_STATUS_CREATED_STATS;
inline constexpr std::string_view k_status_breakdown =
    "CREATE INDEX idx_trades_status_created ON trades(status, created_at);\n" BSCBOT_STATUS_CREATED_STATS;
#undef BSCBOT_STATUS_CREATED_STATS

// knex's bookkeeping tables, as the Node.js bot's knex created them.
inline constexpr std::string_view k_bookkeeping = R"SQL(
CREATE TABLE IF NOT EXISTS knex_migrations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name VARCHAR(255),
  batch INTEGER,
  migration_time DATETIME
);
CREATE TABLE IF NOT EXISTS knex_migrations_lock (
  "index" INTEGER PRIMARY KEY AUTOINCREMENT,
  is_locked INTEGER
);
INSERT INTO knex_migrations_lock ("index", is_locked)
  SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM knex_migrations_lock);
)SQL";

}  // namespace bscbot::core::db::schema::sqlite
