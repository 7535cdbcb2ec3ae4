#include "core/db/trade_repository.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/error.hpp"
#include "core/util/wei.hpp"

namespace bscbot::core::db {

namespace {

constexpr std::string_view k_columns =
    "id, tx_hash, wallet_address, token_in, token_out, amount_in, amount_out, amount_out_min, "
    "quoted_amount_out, path, slippage_bps, deadline, gas_limit, gas_price, gas_used, gas_fee, "
    "nonce, chain_id, block_number, status, error, created_at, updated_at, finalized_at";

std::optional<std::string> opt_text(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getString();
}

std::optional<std::int64_t> opt_int(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getInt64();
}

Trade read_trade(SQLite::Statement& q) {
  Trade t;
  t.id = q.getColumn(0).getInt64();
  t.tx_hash = opt_text(q.getColumn(1));
  t.wallet_address = q.getColumn(2).getString();
  t.token_in = q.getColumn(3).getString();
  t.token_out = q.getColumn(4).getString();
  t.amount_in = q.getColumn(5).getString();
  t.amount_out = opt_text(q.getColumn(6));
  t.amount_out_min = opt_text(q.getColumn(7));
  t.quoted_amount_out = opt_text(q.getColumn(8));
  t.path = q.getColumn(9).getString();
  t.slippage_bps = opt_int(q.getColumn(10));
  t.deadline = opt_int(q.getColumn(11));
  t.gas_limit = opt_int(q.getColumn(12));
  t.gas_price = opt_text(q.getColumn(13));
  t.gas_used = opt_int(q.getColumn(14));
  t.gas_fee = opt_text(q.getColumn(15));
  t.nonce = opt_int(q.getColumn(16));
  t.chain_id = opt_int(q.getColumn(17));
  t.block_number = opt_int(q.getColumn(18));
  t.status = parse_trade_status(q.getColumn(19).getString()).value_or(TradeStatus::pending);
  t.error = opt_text(q.getColumn(20));
  t.created_at = q.getColumn(21).getString();
  t.updated_at = q.getColumn(22).getString();
  t.finalized_at = opt_text(q.getColumn(23));
  return t;
}

template <typename T>
void bind_opt(SQLite::Statement& q, int index, const std::optional<T>& v) {
  if (v) q.bind(index, *v);
  else q.bind(index);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string canonical_wei(const std::string& text, std::string_view what) {
  return to_decimal(require_wei(text, what));
}

}  // namespace

TradeRepository::TradeRepository(SQLite::Database& db, QueryObserver observer)
    : m_db(db), m_observer(std::move(observer)) {}

template <typename F>
auto TradeRepository::timed(std::string_view name, F&& f) {
  const auto start = std::chrono::steady_clock::now();
  try {
    if constexpr (std::is_void_v<decltype(f())>) {
      f();
      if (m_observer) m_observer(name, std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start));
    } else {
      auto result = f();
      if (m_observer) m_observer(name, std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start));
      return result;
    }
  } catch (const SQLite::Exception& e) {
    throw Error(ErrorKind::database, fmt::format("query {} failed: {}", name, e.what()));
  }
}

std::int64_t TradeRepository::insert(const NewTrade& t) {
  const std::string amount_in = canonical_wei(t.amount_in, "amount_in");
  std::optional<std::string> min_out, quoted;
  if (t.amount_out_min) min_out = canonical_wei(*t.amount_out_min, "amount_out_min");
  if (t.quoted_amount_out) quoted = canonical_wei(*t.quoted_amount_out, "quoted_amount_out");
  return timed("trades.insert", [&] {
    SQLite::Statement q(m_db,
                        "INSERT INTO trades (wallet_address, token_in, token_out, amount_in, path, amount_out_min, "
                        "quoted_amount_out, slippage_bps, deadline, chain_id, status, created_at, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', COALESCE(?, datetime('now')), "
                        "COALESCE(?, datetime('now')))");
    q.bind(1, lower(t.wallet_address));
    q.bind(2, lower(t.token_in));
    q.bind(3, lower(t.token_out));
    q.bind(4, amount_in);
    q.bind(5, lower(t.path));
    bind_opt(q, 6, min_out);
    bind_opt(q, 7, quoted);
    bind_opt(q, 8, t.slippage_bps);
    bind_opt(q, 9, t.deadline);
    bind_opt(q, 10, t.chain_id);
    bind_opt(q, 11, t.created_at);
    bind_opt(q, 12, t.created_at);
    q.exec();
    return m_db.getLastInsertRowid();
  });
}

std::optional<Trade> TradeRepository::find(std::int64_t id) {
  return timed("trades.find", [&]() -> std::optional<Trade> {
    SQLite::Statement q(m_db, fmt::format("SELECT {} FROM trades WHERE id = ?", k_columns));
    q.bind(1, id);
    if (!q.executeStep()) return std::nullopt;
    return read_trade(q);
  });
}

std::optional<Trade> TradeRepository::find_by_tx_hash(const std::string& tx_hash) {
  return timed("trades.find_by_tx_hash", [&]() -> std::optional<Trade> {
    SQLite::Statement q(m_db, fmt::format("SELECT {} FROM trades WHERE tx_hash = ?", k_columns));
    q.bind(1, lower(tx_hash));
    if (!q.executeStep()) return std::nullopt;
    return read_trade(q);
  });
}

std::vector<Trade> TradeRepository::history(const HistoryQuery& query) {
  if (query.limit < 1 || query.limit > 1000) {
    throw Error(ErrorKind::usage, fmt::format("limit {} is out of range; use 1 to 1000", query.limit));
  }
  return timed("trades.history", [&] {
    std::string sql = fmt::format("SELECT {} FROM trades WHERE 1=1", k_columns);
    if (query.wallet) sql += " AND wallet_address = :wallet";
    if (query.status) sql += " AND status = :status";
    if (query.since) sql += " AND created_at > :since";
    sql += " ORDER BY created_at DESC, id DESC LIMIT :limit";
    SQLite::Statement q(m_db, sql);
    if (query.wallet) q.bind(":wallet", lower(*query.wallet));
    if (query.status) q.bind(":status", std::string(to_string(*query.status)));
    if (query.since) q.bind(":since", *query.since);
    q.bind(":limit", query.limit);
    std::vector<Trade> out;
    while (q.executeStep()) out.push_back(read_trade(q));
    return out;
  });
}

TradeStats TradeRepository::stats(const std::string& since) {
  return timed("trades.stats", [&] {
    SQLite::Statement q(m_db,
                        "SELECT COUNT(*), "
                        "COUNT(CASE WHEN status='completed' THEN 1 END), "
                        "COUNT(CASE WHEN status='failed' THEN 1 END), "
                        "COUNT(CASE WHEN status='pending' THEN 1 END), "
                        "AVG(CAST(gas_fee AS REAL)), COUNT(DISTINCT wallet_address) "
                        "FROM trades WHERE created_at > ?");
    q.bind(1, since);
    q.executeStep();
    TradeStats s;
    s.total = q.getColumn(0).getInt64();
    s.completed = q.getColumn(1).getInt64();
    s.failed = q.getColumn(2).getInt64();
    s.pending = q.getColumn(3).getInt64();
    if (!q.getColumn(4).isNull()) s.avg_gas_fee_wei = q.getColumn(4).getDouble();
    s.distinct_wallets = q.getColumn(5).getInt64();
    // The manual's formula: completed over all trades, pending included.
    if (s.total > 0) s.success_rate = static_cast<double>(s.completed) * 100.0 / static_cast<double>(s.total);
    return s;
  });
}

std::string TradeRepository::volume_in(const std::string& since) {
  return timed("trades.volume_in", [&] {
    SQLite::Statement q(m_db, "SELECT amount_in FROM trades WHERE created_at > ?");
    q.bind(1, since);
    U256 sum = 0;
    while (q.executeStep()) sum += require_wei(q.getColumn(0).getString(), "amount_in");
    return to_decimal(sum);
  });
}

std::vector<Trade> TradeRepository::suspicious(const std::string& limit_wei, int max_rows) {
  const std::string limit = canonical_wei(limit_wei, "limit");
  return timed("trades.suspicious", [&] {
    // Amounts are canonical decimal text, so "longer, or as long and greater" is exact.
    SQLite::Statement q(m_db, fmt::format("SELECT {} FROM trades WHERE "
                                          "length(ltrim(amount_in, '0')) > length(:lim) OR "
                                          "(length(ltrim(amount_in, '0')) = length(:lim) AND ltrim(amount_in, '0') > :lim) OR "
                                          "(finalized_at IS NOT NULL AND updated_at > finalized_at) "
                                          "ORDER BY created_at DESC, id DESC LIMIT :max",
                                          k_columns));
    q.bind(":lim", limit == "0" ? std::string() : limit);
    q.bind(":max", max_rows);
    std::vector<Trade> out;
    while (q.executeStep()) out.push_back(read_trade(q));
    return out;
  });
}

std::vector<Trade> TradeRepository::pending() {
  return timed("trades.pending", [&] {
    SQLite::Statement q(m_db, fmt::format("SELECT {} FROM trades WHERE status = 'pending' ORDER BY id", k_columns));
    std::vector<Trade> out;
    while (q.executeStep()) out.push_back(read_trade(q));
    return out;
  });
}

bool TradeRepository::mark_signed(std::int64_t id, const SignedTrade& s) {
  const std::string quoted = canonical_wei(s.quoted_amount_out, "quoted_amount_out");
  const std::string min_out = canonical_wei(s.amount_out_min, "amount_out_min");
  const std::string gas_price = canonical_wei(s.gas_price, "gas_price");
  return timed("trades.mark_signed", [&] {
    SQLite::Statement q(m_db,
                        "UPDATE trades SET quoted_amount_out = ?, amount_out_min = ?, slippage_bps = ?, deadline = ?, "
                        "gas_limit = ?, gas_price = ?, nonce = ?, chain_id = ?, tx_hash = ?, path = ? "
                        "WHERE id = ? AND status = 'pending' AND tx_hash IS NULL");
    q.bind(1, quoted);
    q.bind(2, min_out);
    q.bind(3, s.slippage_bps);
    q.bind(4, s.deadline);
    q.bind(5, s.gas_limit);
    q.bind(6, gas_price);
    q.bind(7, s.nonce);
    q.bind(8, s.chain_id);
    q.bind(9, lower(s.tx_hash));
    q.bind(10, lower(s.path));
    q.bind(11, id);
    return q.exec() == 1;
  });
}

bool TradeRepository::complete(std::int64_t id, const std::string& amount_out, const TradeReceipt& r) {
  const std::string out = canonical_wei(amount_out, "amount_out");
  const std::string fee = canonical_wei(r.gas_fee, "gas_fee");
  return timed("trades.complete", [&] {
    SQLite::Statement q(m_db,
                        "UPDATE trades SET status = 'completed', amount_out = ?, gas_used = ?, gas_fee = ?, block_number = ?, "
                        "error = NULL, updated_at = datetime('now'), finalized_at = datetime('now') "
                        "WHERE id = ? AND status = 'pending'");
    q.bind(1, out);
    q.bind(2, r.gas_used);
    q.bind(3, fee);
    q.bind(4, r.block_number);
    q.bind(5, id);
    return q.exec() == 1;
  });
}

bool TradeRepository::fail(std::int64_t id, const std::string& reason, const std::optional<TradeReceipt>& r, KeepTxHash keep) {
  std::optional<std::string> fee;
  if (r) fee = canonical_wei(r->gas_fee, "gas_fee");
  return timed("trades.fail", [&] {
    SQLite::Statement q(m_db,
                        fmt::format("UPDATE trades SET status = 'failed', error = ?, gas_used = ?, gas_fee = ?, block_number = ?, "
                                    "{}updated_at = datetime('now'), finalized_at = datetime('now') "
                                    "WHERE id = ? AND status = 'pending'",
                                    keep == KeepTxHash::no ? "tx_hash = NULL, " : ""));
    q.bind(1, reason);
    if (r) {
      q.bind(2, r->gas_used);
      q.bind(3, *fee);
      q.bind(4, r->block_number);
    } else {
      q.bind(2);
      q.bind(3);
      q.bind(4);
    }
    q.bind(5, id);
    return q.exec() == 1;
  });
}

CleanupResult TradeRepository::delete_older_than(const std::string& cutoff, DryRun dry_run) {
  return timed("trades.cleanup", [&] {
    CleanupResult result;
    result.cutoff = cutoff;
    {
      SQLite::Statement q(m_db,
                          "SELECT COUNT(CASE WHEN status <> 'pending' THEN 1 END), "
                          "COUNT(CASE WHEN status = 'pending' THEN 1 END) FROM trades WHERE created_at < ?");
      q.bind(1, cutoff);
      q.executeStep();
      result.deleted = q.getColumn(0).getInt64();
      result.kept_pending = q.getColumn(1).getInt64();
    }
    if (dry_run == DryRun::yes) return result;
    std::int64_t deleted = 0;
    SQLite::Statement del(m_db,
                          "DELETE FROM trades WHERE id IN (SELECT id FROM trades WHERE created_at < ? "
                          "AND status <> 'pending' LIMIT 5000)");
    for (;;) {
      SQLite::Transaction tx(m_db, SQLite::TransactionBehavior::IMMEDIATE);
      del.bind(1, cutoff);
      const int n = del.exec();
      del.reset();
      tx.commit();
      deleted += n;
      if (n == 0) break;
    }
    result.deleted = deleted;
    return result;
  });
}

}  // namespace bscbot::core::db
