// The SQLite store's trades: amounts as canonical decimal text, times as datetime() text, so the
// manual's sqlite3 one-liners (`created_at > datetime('now', '-1 day')`) read our rows as the
// Node.js bot's.
#include <SQLiteCpp/Transaction.h>

#include <array>

#include "core/db/database.hpp"
#include "core/db/sqlite/store_impl.hpp"
#include "core/util/crash_point.hpp"

namespace bscbot::core::db::sqlite {

namespace {

std::string select(std::string_view rest) { return fmt::format("SELECT {} FROM trades {}", k_trade_columns, rest); }

// A row's columns, text as views into SQLite's own buffer: the amounts and times are parsed
// from it without a std::string for each (the history route reads 26 columns of each row).
class Row {
public:
  explicit Row(SQLite::Statement& q) : m_q(q) {}
  bool null(int i) const { return m_q.isColumnNull(i); }
  std::int64_t integer(int i) const { return m_q.getColumn(i).getInt64(); }
  std::string_view text(int i) const {
    const SQLite::Column c = m_q.getColumn(i);
    const char* p = c.getText();  // before getBytes(), as SQLite asks
    return std::string_view(p, static_cast<std::size_t>(c.getBytes()));
  }
  std::optional<std::string> opt_text(int i) const { return null(i) ? std::nullopt : std::optional<std::string>(text(i)); }
  std::optional<std::int64_t> opt_int(int i) const { return null(i) ? std::nullopt : std::optional<std::int64_t>(integer(i)); }
  std::optional<Wei> opt_wei(int i, std::string_view what) const {
    return null(i) ? std::nullopt : std::optional<Wei>(Wei::require(text(i), what));
  }
  std::optional<SystemTime> opt_time(int i) const {
    return null(i) ? std::nullopt : std::optional<SystemTime>(parse_sql_datetime(text(i)));
  }

private:
  SQLite::Statement& m_q;
};

}  // namespace

Trade read_trade(SQLite::Statement& q) {
  const Row r(q);
  Trade t;
  t.id = r.integer(0);
  t.tx_hash = r.opt_text(1);
  t.wallet_address = r.text(2);
  t.token_in = r.text(3);
  t.token_out = r.text(4);
  t.amount_in = Wei::require(r.text(5), "amount_in");
  t.amount_out = r.opt_wei(6, "amount_out");
  t.amount_out_min = r.opt_wei(7, "amount_out_min");
  t.quoted_amount_out = r.opt_wei(8, "quoted_amount_out");
  t.path = r.text(9);
  t.slippage_bps = r.opt_int(10);
  t.deadline = r.opt_int(11);
  t.gas_limit = r.opt_int(12);
  t.gas_price = r.opt_wei(13, "gas_price");
  t.gas_used = r.opt_int(14);
  t.gas_fee = r.opt_wei(15, "gas_fee");
  t.nonce = r.opt_int(16);
  t.chain_id = r.opt_int(17);
  t.block_number = r.opt_int(18);
  t.status = parse_trade_status(r.text(19)).value_or(TradeStatus::pending);
  t.error = r.opt_text(20);
  t.created_at = parse_sql_datetime(r.text(21));
  t.updated_at = parse_sql_datetime(r.text(22));
  t.finalized_at = r.opt_time(23);
  t.deadline_seconds = r.opt_int(24);
  t.operator_request = r.opt_text(25);
  return t;
}

namespace {

std::vector<Trade> read_all(SQLite::Statement& q, std::size_t expected = 0) {
  std::vector<Trade> out;
  out.reserve(expected);
  while (q.executeStep()) out.push_back(read_trade(q));
  return out;
}

template <typename T>
void bind_opt(SQLite::Statement& q, int index, const std::optional<T>& v) {
  if (v) q.bind(index, *v);
  else q.bind(index);
}

void bind_opt(SQLite::Statement& q, int index, const std::optional<Wei>& v) {
  if (v) q.bind(index, v->decimal());
  else q.bind(index);
}

TradeStats read_stats(SQLite::Statement& q, int first) {
  TradeStats s;
  s.total = q.getColumn(first).getInt64();
  s.completed = q.getColumn(first + 1).getInt64();
  s.failed = q.getColumn(first + 2).getInt64();
  s.pending = q.getColumn(first + 3).getInt64();
  if (!q.getColumn(first + 4).isNull()) s.avg_gas_fee_wei = q.getColumn(first + 4).getDouble();
  s.distinct_wallets = q.getColumn(first + 5).getInt64();
  trade_rules::derive_success_rate(s);
  return s;
}

constexpr std::string_view k_stats_columns =
    "COUNT(*), COUNT(CASE WHEN status='completed' THEN 1 END), COUNT(CASE WHEN status='failed' THEN 1 END), "
    "COUNT(CASE WHEN status='pending' THEN 1 END), AVG(CAST(gas_fee AS REAL)), COUNT(DISTINCT wallet_address)";

}  // namespace

SystemTime read_time(const SQLite::Column& c) { return parse_sql_datetime(c.getString()); }

std::optional<SystemTime> read_optional_time(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return read_time(c);
}

std::int64_t Trades::insert(const NewTrade& t) {
  return m_run("trades.insert", [&](Connection& c) {
    auto q = c.prepared(
        "INSERT INTO trades (wallet_address, token_in, token_out, amount_in, path, amount_out_min, "
        "quoted_amount_out, slippage_bps, deadline, chain_id, status, created_at, updated_at, deadline_seconds) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', COALESCE(?, datetime('now')), COALESCE(?, datetime('now')), ?)");
    q->bind(1, trade_rules::lower(t.wallet_address));
    q->bind(2, trade_rules::lower(t.token_in));
    q->bind(3, trade_rules::lower(t.token_out));
    q->bind(4, t.amount_in.decimal());
    q->bind(5, trade_rules::lower(t.path));
    bind_opt(*q, 6, t.amount_out_min);
    bind_opt(*q, 7, t.quoted_amount_out);
    bind_opt(*q, 8, t.slippage_bps);
    bind_opt(*q, 9, t.deadline);
    bind_opt(*q, 10, t.chain_id);
    std::optional<std::string> created;
    if (t.created_at) created = to_sql_datetime(*t.created_at);
    bind_opt(*q, 11, created);
    bind_opt(*q, 12, created);
    bind_opt(*q, 13, t.deadline_seconds);
    q->exec();
    return c.db().getLastInsertRowid();
  });
}

std::optional<Trade> Trades::find(std::int64_t id) {
  static const std::string sql = select("WHERE id = ?");
  return m_run("trades.find", [&](Connection& c) -> std::optional<Trade> {
    auto q = c.prepared(sql);
    q->bind(1, id);
    if (!q->executeStep()) return std::nullopt;
    return read_trade(*q);
  });
}

std::optional<Trade> Trades::find_by_tx_hash(const std::string& tx_hash) {
  static const std::string sql = select("WHERE tx_hash = ?");
  return m_run("trades.find_by_tx_hash", [&](Connection& c) -> std::optional<Trade> {
    auto q = c.prepared(sql);
    q->bind(1, trade_rules::lower(tx_hash));
    if (!q->executeStep()) return std::nullopt;
    return read_trade(*q);
  });
}

std::vector<Trade> Trades::history(const HistoryQuery& query) {
  trade_rules::check_history_limit(query.limit);
  // One statement per combination of filters, each prepared once per connection (and its text
  // built once per process).
  static const std::array<std::string, 8> statements = [] {
    std::array<std::string, 8> out;
    for (unsigned filters = 0; filters < out.size(); ++filters) {
      std::string where = "WHERE 1=1";
      if (filters & 1) where += " AND wallet_address = :wallet";
      if (filters & 2) where += " AND status = :status";
      if (filters & 4) where += " AND created_at > :since";
      out[filters] = select(where + " ORDER BY created_at DESC, id DESC LIMIT :limit");
    }
    return out;
  }();
  const std::string& sql = statements[(query.wallet ? 1u : 0u) | (query.status ? 2u : 0u) | (query.since ? 4u : 0u)];
  return m_run("trades.history", [&](Connection& c) {
    auto q = c.prepared(sql);
    if (query.wallet) q->bind(":wallet", trade_rules::lower(*query.wallet));
    if (query.status) q->bind(":status", std::string(to_string(*query.status)));
    if (query.since) q->bind(":since", to_sql_datetime(*query.since));
    q->bind(":limit", query.limit);
    return read_all(*q, static_cast<std::size_t>(query.limit));
  });
}

TradeStats Trades::stats(SystemTime since) {
  static const std::string sql = fmt::format("SELECT {} FROM trades WHERE created_at > ?", k_stats_columns);
  return m_run("trades.stats", [&](Connection& c) {
    auto q = c.prepared(sql);
    q->bind(1, to_sql_datetime(since));
    q->executeStep();
    return read_stats(*q, 0);
  });
}

std::vector<DailyTrades> Trades::daily(SystemTime since, SystemTime until) {
  std::vector<DailyTrades> out;
  for (auto& [day, stats] : grouped("trades.daily", 10, since, until)) out.push_back({std::move(day), stats});
  return out;
}

std::vector<HourlyTrades> Trades::hourly(SystemTime since, SystemTime until) {
  std::vector<HourlyTrades> out;
  for (auto& [hour, stats] : grouped("trades.hourly", 13, since, until)) out.push_back({std::move(hour), stats});
  return out;
}

// created_at is UTC text, so its first 10 characters are the day and its first 13 the hour.
std::vector<std::pair<std::string, TradeStats>> Trades::grouped(const char* name, int chars, SystemTime since, SystemTime until) {
  const std::string sql = fmt::format(
      "SELECT substr(created_at, 1, {}) AS period, {} FROM trades WHERE created_at > ? AND created_at <= ? GROUP BY period ORDER BY period",
      chars, k_stats_columns);
  return m_run(name, [&](Connection& c) {
    auto q = c.prepared(sql);
    q->bind(1, to_sql_datetime(since));
    q->bind(2, to_sql_datetime(until));
    std::vector<std::pair<std::string, TradeStats>> out;
    while (q->executeStep()) out.emplace_back(q->getColumn(0).getString(), read_stats(*q, 1));
    return out;
  });
}

Wei Trades::volume_in(SystemTime since) {
  return m_run("trades.volume_in", [&](Connection& c) {
    auto q = c.prepared("SELECT amount_in FROM trades WHERE created_at > ?");
    q->bind(1, to_sql_datetime(since));
    U256 sum = 0;
    while (q->executeStep()) sum += require_wei(q->getColumn(0).getText(), "amount_in");
    return Wei(sum);
  });
}

std::vector<TradedPair> Trades::traded_pairs(int limit) {
  return m_run("trades.pairs", [&](Connection& c) {
    auto q = c.prepared("SELECT token_in, token_out, COUNT(*) FROM trades GROUP BY token_in, token_out ORDER BY COUNT(*) DESC, token_in, token_out LIMIT ?");
    q->bind(1, limit);
    std::vector<TradedPair> out;
    while (q->executeStep()) out.push_back({q->getColumn(0).getString(), q->getColumn(1).getString(), q->getColumn(2).getInt64()});
    return out;
  });
}

std::vector<Trade> Trades::suspicious(const Wei& limit, int max_rows) {
  // Amounts are canonical decimal text, so "longer, or as long and greater" is exact.
  static const std::string sql = select(
      "WHERE length(ltrim(amount_in, '0')) > length(:lim) OR "
      "(length(ltrim(amount_in, '0')) = length(:lim) AND ltrim(amount_in, '0') > :lim) OR "
      "(finalized_at IS NOT NULL AND updated_at > finalized_at) "
      "ORDER BY created_at DESC, id DESC LIMIT :max");
  return m_run("trades.suspicious", [&](Connection& c) {
    auto q = c.prepared(sql);
    q->bind(":lim", limit.is_zero() ? std::string() : limit.decimal());
    q->bind(":max", max_rows);
    return read_all(*q);
  });
}

std::vector<Trade> Trades::pending() {
  static const std::string sql = select("WHERE status = 'pending' ORDER BY id");
  return m_run("trades.pending", [&](Connection& c) {
    auto q = c.prepared(sql);
    return read_all(*q);
  });
}

std::optional<TradeSpan> Trades::span() {
  return m_run("trades.span", [&](Connection& c) -> std::optional<TradeSpan> {
    auto q = c.prepared(k_trade_ends_sql);
    q->executeStep();
    if (q->getColumn(0).isNull()) return std::nullopt;
    return TradeSpan{read_time(q->getColumn(0)), read_time(q->getColumn(1)), q->getColumn(2).getInt64()};
  });
}

bool Trades::mark_signed(std::int64_t id, const SignedTrade& s) {
  return m_run("trades.mark_signed", [&](Connection& c) {
    auto q = c.prepared(
        "UPDATE trades SET quoted_amount_out = ?, amount_out_min = ?, slippage_bps = ?, deadline = ?, "
        "gas_limit = ?, gas_price = ?, nonce = ?, chain_id = ?, tx_hash = ?, path = ? "
        "WHERE id = ? AND status = 'pending' AND tx_hash IS NULL");
    q->bind(1, s.quoted_amount_out.decimal());
    q->bind(2, s.amount_out_min.decimal());
    q->bind(3, s.slippage_bps);
    q->bind(4, s.deadline);
    q->bind(5, s.gas_limit);
    q->bind(6, s.gas_price.decimal());
    q->bind(7, s.nonce);
    q->bind(8, s.chain_id);
    q->bind(9, trade_rules::lower(s.tx_hash));
    q->bind(10, trade_rules::lower(s.path));
    q->bind(11, id);
    return q->exec() == 1;
  });
}

bool Trades::complete(std::int64_t id, const Wei& amount_out, const TradeReceipt& r) {
  return m_run("trades.complete", [&](Connection& c) {
    auto q = c.prepared(
        "UPDATE trades SET status = 'completed', amount_out = ?, gas_used = ?, gas_fee = ?, block_number = ?, "
        "error = NULL, updated_at = datetime('now'), finalized_at = datetime('now') "
        "WHERE id = ? AND status = 'pending'");
    q->bind(1, amount_out.decimal());
    q->bind(2, r.gas_used);
    q->bind(3, r.gas_fee.decimal());
    q->bind(4, r.block_number);
    q->bind(5, id);
    return q->exec() == 1;
  });
}

bool Trades::fail(std::int64_t id, const std::string& reason, const std::optional<TradeReceipt>& r, KeepTxHash keep) {
  const std::string_view sql = keep == KeepTxHash::no
                                   ? "UPDATE trades SET status = 'failed', error = ?, gas_used = ?, gas_fee = ?, block_number = ?, "
                                     "tx_hash = NULL, updated_at = datetime('now'), finalized_at = datetime('now') "
                                     "WHERE id = ? AND status = 'pending'"
                                   : "UPDATE trades SET status = 'failed', error = ?, gas_used = ?, gas_fee = ?, block_number = ?, "
                                     "updated_at = datetime('now'), finalized_at = datetime('now') "
                                     "WHERE id = ? AND status = 'pending'";
  return m_run("trades.fail", [&](Connection& c) {
    auto q = c.prepared(sql);
    q->bind(1, reason);
    if (r) {
      q->bind(2, r->gas_used);
      q->bind(3, r->gas_fee.decimal());
      q->bind(4, r->block_number);
    } else {
      q->bind(2);
      q->bind(3);
      q->bind(4);
    }
    q->bind(5, id);
    return q->exec() == 1;
  });
}

CleanupResult Trades::delete_older_than(SystemTime cutoff, DryRun dry_run) {
  const std::string cut = to_sql_datetime(cutoff);
  CleanupResult result = m_run("trades.cleanup_count", [&](Connection& c) {
    auto q = c.prepared(
        "SELECT COUNT(CASE WHEN status <> 'pending' THEN 1 END), COUNT(CASE WHEN status = 'pending' THEN 1 END) "
        "FROM trades WHERE created_at < ?");
    q->bind(1, cut);
    q->executeStep();
    CleanupResult r;
    r.cutoff = cutoff;
    r.deleted = q->getColumn(0).getInt64();
    r.kept_pending = q->getColumn(1).getInt64();
    return r;
  });
  if (dry_run == DryRun::yes) return result;
  // Batches of 5000, each its own transaction on a connection borrowed for it, so a writer waits
  // for one batch at most.
  std::int64_t deleted = 0;
  for (;;) {
    const int n = m_run("trades.cleanup", [&](Connection& c) {
      SQLite::Transaction tx(c.db(), SQLite::TransactionBehavior::IMMEDIATE);
      auto del = c.prepared(
          "DELETE FROM trades WHERE id IN (SELECT id FROM trades WHERE created_at < ? AND status <> 'pending' LIMIT 5000)");
      del->bind(1, cut);
      const int count = del->exec();
      crash_point("cleanup.batch_uncommitted");
      tx.commit();
      return count;
    });
    crash_point("cleanup.batch_committed");
    deleted += n;
    if (n == 0) break;
  }
  result.deleted = deleted;
  return result;
}

}  // namespace bscbot::core::db::sqlite
