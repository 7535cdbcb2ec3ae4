// The SQLite store's lanes: one daemon per file, so the lease is granted to whoever asks (the
// pid file keeps a second daemon out); the fence is still checked on every write, so the
// engine behaves the same on both backends. Multi-statement writes run in one IMMEDIATE
// transaction: SQLite's single writer makes the fence check and the write one step.
#include <SQLiteCpp/Transaction.h>

#include <algorithm>

#include "core/db/sqlite/store_impl.hpp"

namespace bscbot::core::db::sqlite {

namespace {

constexpr std::string_view k_tx_columns =
    "id, wallet_address, nonce, tx_hash, trade_id, kind, gas_price, raw_tx, state, epoch, block_number, created_at";

TradeTx read_tx(SQLite::Statement& q) {
  TradeTx t;
  t.id = q.getColumn(0).getInt64();
  t.wallet = q.getColumn(1).getString();
  t.nonce = q.getColumn(2).getInt64();
  t.tx_hash = q.getColumn(3).getString();
  if (!q.getColumn(4).isNull()) t.trade_id = q.getColumn(4).getInt64();
  t.kind = parse_tx_kind(q.getColumn(5).getText()).value_or(TxKind::swap);
  t.gas_price = Wei::require(q.getColumn(6).getText(), "gas_price");
  if (!q.getColumn(7).isNull()) t.raw_tx = q.getColumn(7).getString();
  t.state = parse_tx_state(q.getColumn(8).getText()).value_or(TxState::sent);
  t.epoch = q.getColumn(9).getInt64();
  if (!q.getColumn(10).isNull()) t.block_number = q.getColumn(10).getInt64();
  t.created_at = read_time(q.getColumn(11));
  return t;
}

std::vector<TradeTx> read_txs(SQLite::Statement& q) {
  std::vector<TradeTx> out;
  while (q.executeStep()) out.push_back(read_tx(q));
  return out;
}

bool holds(Connection& c, const Fence& f) {
  auto q = c.prepared("SELECT 1 FROM wallet_leases WHERE wallet_address = ? AND owner = ? AND epoch = ?");
  q->bind(1, trade_rules::lower(f.wallet));
  q->bind(2, f.owner);
  q->bind(3, f.epoch);
  return q->executeStep();
}

void insert_tx(Connection& c, const Fence& f, const TxRecord& tx) {
  auto q = c.prepared(
      "INSERT INTO trade_transactions (wallet_address, nonce, tx_hash, trade_id, kind, gas_price, raw_tx, epoch) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
      // The very bytes of a transaction refused or dropped earlier (same nonce, price and call)
      // sent again: the same transaction, live again.
      "ON CONFLICT(tx_hash) DO UPDATE SET state = 'sent', epoch = excluded.epoch, block_number = NULL, updated_at = datetime('now') "
      "WHERE trade_transactions.state <> 'mined'");
  q->bind(1, trade_rules::lower(f.wallet));
  q->bind(2, tx.nonce);
  q->bind(3, trade_rules::lower(tx.tx_hash));
  if (tx.trade_id) q->bind(4, *tx.trade_id);
  else q->bind(4);
  q->bind(5, std::string(to_string(tx.kind)));
  q->bind(6, tx.gas_price.decimal());
  q->bind(7, tx.raw_tx);
  q->bind(8, f.epoch);
  q->exec();
}

}  // namespace

std::optional<Fence> Lanes::acquire(const std::string& wallet, const std::string& owner, std::chrono::seconds) {
  return m_run("lanes.acquire", [&](Connection& c) -> std::optional<Fence> {
    SQLite::Transaction tx(c.db(), SQLite::TransactionBehavior::IMMEDIATE);
    const std::string w = trade_rules::lower(wallet);
    {
      auto q = c.prepared(
          "INSERT INTO wallet_leases (wallet_address, owner, epoch, session_pid, acquired_at, heartbeat_at) "
          "VALUES (?, ?, 1, NULL, datetime('now'), datetime('now')) "
          "ON CONFLICT(wallet_address) DO UPDATE SET owner = excluded.owner, epoch = wallet_leases.epoch + 1, "
          "acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at");
      q->bind(1, w);
      q->bind(2, owner);
      q->exec();
    }
    std::int64_t epoch = 0;
    {
      auto q = c.prepared("SELECT epoch FROM wallet_leases WHERE wallet_address = ?");
      q->bind(1, w);
      q->executeStep();
      epoch = q->getColumn(0).getInt64();
    }
    {
      // Claimed by an earlier holder but never signed: back in the queue.
      auto q = c.prepared(
          "UPDATE trades SET claimed_epoch = NULL WHERE wallet_address = ? AND status = 'pending' AND tx_hash IS NULL "
          "AND claimed_epoch IS NOT NULL");
      q->bind(1, w);
      q->exec();
    }
    tx.commit();
    return Fence{w, owner, epoch};
  });
}

bool Lanes::renew(const Fence& f) {
  return m_run("lanes.renew", [&](Connection& c) {
    auto q = c.prepared("UPDATE wallet_leases SET heartbeat_at = datetime('now') WHERE wallet_address = ? AND owner = ? AND epoch = ?");
    q->bind(1, trade_rules::lower(f.wallet));
    q->bind(2, f.owner);
    q->bind(3, f.epoch);
    return q->exec() == 1;
  });
}

void Lanes::release(const Fence& f) {
  m_run("lanes.release", [&](Connection& c) {
    auto q = c.prepared("UPDATE wallet_leases SET owner = NULL, heartbeat_at = NULL WHERE wallet_address = ? AND owner = ? AND epoch = ?");
    q->bind(1, trade_rules::lower(f.wallet));
    q->bind(2, f.owner);
    q->bind(3, f.epoch);
    q->exec();
    return 0;
  });
}

std::vector<LeaseInfo> Lanes::leases() {
  return m_run("lanes.leases", [&](Connection& c) {
    auto q = c.prepared("SELECT wallet_address, owner, epoch, acquired_at, heartbeat_at FROM wallet_leases ORDER BY wallet_address");
    std::vector<LeaseInfo> out;
    while (q->executeStep()) {
      LeaseInfo l;
      l.wallet = q->getColumn(0).getString();
      if (!q->getColumn(1).isNull()) l.owner = q->getColumn(1).getString();
      l.epoch = q->getColumn(2).getInt64();
      l.acquired_at = read_optional_time(q->getColumn(3));
      l.heartbeat_at = read_optional_time(q->getColumn(4));
      out.push_back(std::move(l));
    }
    return out;
  });
}

std::vector<Trade> Lanes::claim(const Fence& f, int limit) {
  static const std::string sql = fmt::format(
      "UPDATE trades SET claimed_epoch = ? WHERE id IN (SELECT id FROM trades WHERE wallet_address = ? AND status = 'pending' "
      "AND tx_hash IS NULL AND claimed_epoch IS NULL ORDER BY id LIMIT ?) "
      "AND EXISTS (SELECT 1 FROM wallet_leases WHERE wallet_address = ? AND owner = ? AND epoch = ?) RETURNING {}",
      k_trade_columns);
  auto out = m_run("lanes.claim", [&](Connection& c) {
    const std::string w = trade_rules::lower(f.wallet);
    auto q = c.prepared(sql);
    q->bind(1, f.epoch);
    q->bind(2, w);
    q->bind(3, limit);
    q->bind(4, w);
    q->bind(5, f.owner);
    q->bind(6, f.epoch);
    std::vector<Trade> rows;
    while (q->executeStep()) rows.push_back(read_trade(*q));
    return rows;
  });
  std::sort(out.begin(), out.end(), [](const Trade& a, const Trade& b) { return a.id < b.id; });
  return out;
}

std::map<std::string, std::int64_t> Lanes::pending_by_wallet() {
  return m_run("lanes.pending_by_wallet", [&](Connection& c) {
    auto q = c.prepared("SELECT wallet_address, COUNT(*) FROM trades WHERE status = 'pending' GROUP BY wallet_address");
    std::map<std::string, std::int64_t> out;
    while (q->executeStep()) out[q->getColumn(0).getString()] = q->getColumn(1).getInt64();
    return out;
  });
}

bool Lanes::cancel_queued(std::int64_t id, const std::string& error) {
  return m_run("lanes.cancel_queued", [&](Connection& c) {
    auto q = c.prepared(
        "UPDATE trades SET status = 'failed', error = ?, operator_request = NULL, updated_at = datetime('now'), "
        "finalized_at = datetime('now') WHERE id = ? AND status = 'pending' AND tx_hash IS NULL AND claimed_epoch IS NULL");
    q->bind(1, error);
    q->bind(2, id);
    return q->exec() == 1;
  });
}

bool Lanes::record_first_send(const Fence& f, std::int64_t trade_id, const SignedTrade& s, const TxRecord& tx) {
  return m_run("lanes.record_first_send", [&](Connection& c) {
    SQLite::Transaction t(c.db(), SQLite::TransactionBehavior::IMMEDIATE);
    if (!holds(c, f)) return false;
    auto q = c.prepared(
        "UPDATE trades SET quoted_amount_out = ?, amount_out_min = ?, slippage_bps = ?, deadline = ?, gas_limit = ?, gas_price = ?, "
        "nonce = ?, chain_id = ?, tx_hash = ?, path = ? "
        "WHERE id = ? AND status = 'pending' AND tx_hash IS NULL AND claimed_epoch = ? AND operator_request IS NULL");
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
    q->bind(11, trade_id);
    q->bind(12, f.epoch);
    if (q->exec() != 1) return false;
    insert_tx(c, f, tx);
    t.commit();
    return true;
  });
}

bool Lanes::record_tx(const Fence& f, const TxRecord& tx) {
  return m_run("lanes.record_tx", [&](Connection& c) {
    SQLite::Transaction t(c.db(), SQLite::TransactionBehavior::IMMEDIATE);
    if (!holds(c, f)) return false;
    if (tx.trade_id) {
      // A trade's transaction is sent only while the trade is pending; a swap's replacement
      // becomes the hash the trade is known by.
      if (tx.kind == TxKind::swap) {
        auto q = c.prepared("UPDATE trades SET tx_hash = ?, gas_price = ? WHERE id = ? AND status = 'pending'");
        q->bind(1, trade_rules::lower(tx.tx_hash));
        q->bind(2, tx.gas_price.decimal());
        q->bind(3, *tx.trade_id);
        if (q->exec() != 1) return false;
      } else {
        auto q = c.prepared("SELECT 1 FROM trades WHERE id = ? AND status = 'pending'");
        q->bind(1, *tx.trade_id);
        if (!q->executeStep()) return false;
      }
    }
    insert_tx(c, f, tx);
    t.commit();
    return true;
  });
}

bool Lanes::mark_tx(const Fence& f, const std::string& tx_hash, TxState state) {
  return m_run("lanes.mark_tx", [&](Connection& c) {
    SQLite::Transaction t(c.db(), SQLite::TransactionBehavior::IMMEDIATE);
    if (!holds(c, f)) return false;
    auto q = c.prepared("UPDATE trade_transactions SET state = ?, updated_at = datetime('now') WHERE tx_hash = ? AND wallet_address = ?");
    q->bind(1, std::string(to_string(state)));
    q->bind(2, trade_rules::lower(tx_hash));
    q->bind(3, trade_rules::lower(f.wallet));
    const bool changed = q->exec() == 1;
    if (state == TxState::refused) {
      // A refused transaction never existed: the trade is known by its last one that did (none
      // for a refused first send, which makes the trade sendable again).
      auto fix = c.prepared(
          "UPDATE trades SET tx_hash = (SELECT x.tx_hash FROM trade_transactions x WHERE x.trade_id = trades.id AND x.kind = 'swap' "
          "AND x.state <> 'refused' ORDER BY x.id DESC LIMIT 1), gas_price = COALESCE((SELECT x.gas_price FROM trade_transactions x "
          "WHERE x.trade_id = trades.id AND x.kind = 'swap' AND x.state <> 'refused' ORDER BY x.id DESC LIMIT 1), gas_price) "
          "WHERE tx_hash = ? AND status = 'pending'");
      fix->bind(1, trade_rules::lower(tx_hash));
      fix->exec();
    }
    t.commit();
    return changed;
  });
}

bool Lanes::settle(const Fence& f, const NonceOutcome& o) {
  return m_run("lanes.settle", [&](Connection& c) {
    SQLite::Transaction t(c.db(), SQLite::TransactionBehavior::IMMEDIATE);
    if (!holds(c, f)) return false;
    const std::string w = trade_rules::lower(f.wallet);
    {
      auto q = c.prepared(
          "UPDATE trade_transactions SET state = CASE WHEN tx_hash = ? THEN 'mined' WHEN ? THEN 'replaced' ELSE 'dropped' END, "
          "block_number = CASE WHEN tx_hash = ? THEN ? ELSE block_number END, updated_at = datetime('now') "
          "WHERE wallet_address = ? AND nonce = ? AND state <> 'refused'");
      const std::string mined = o.mined_hash ? trade_rules::lower(*o.mined_hash) : std::string();
      q->bind(1, mined);
      q->bind(2, o.mined_hash.has_value() ? 1 : 0);
      q->bind(3, mined);
      if (o.block_number) q->bind(4, *o.block_number);
      else q->bind(4);
      q->bind(5, w);
      q->bind(6, o.nonce);
      q->exec();
    }
    if (o.trade) {
      const TradeOutcome& r = *o.trade;
      const bool completed = r.status == TradeStatus::completed;
      auto q = c.prepared(
          "UPDATE trades SET status = ?, amount_out = ?, error = ?, gas_used = ?, gas_fee = ?, block_number = ?, "
          "tx_hash = CASE WHEN ? THEN NULL ELSE COALESCE(?, tx_hash) END, gas_price = COALESCE(?, gas_price), "
          "operator_request = NULL, updated_at = datetime('now'), finalized_at = datetime('now') WHERE id = ? AND status = 'pending'");
      q->bind(1, completed ? "completed" : "failed");
      if (r.amount_out) q->bind(2, r.amount_out->decimal());
      else q->bind(2);
      if (r.error) q->bind(3, *r.error);
      else q->bind(3);
      if (r.receipt) {
        q->bind(4, r.receipt->gas_used);
        q->bind(5, r.receipt->gas_fee.decimal());
        q->bind(6, r.receipt->block_number);
      } else {
        q->bind(4);
        q->bind(5);
        q->bind(6);
      }
      q->bind(7, r.keep == KeepTxHash::no ? 1 : 0);
      if (r.mined_hash) q->bind(8, trade_rules::lower(*r.mined_hash));
      else q->bind(8);
      if (r.gas_price) q->bind(9, r.gas_price->decimal());
      else q->bind(9);
      q->bind(10, r.id);
      q->exec();
    }
    t.commit();
    return true;
  });
}

bool Lanes::fail_unsent(const Fence& f, std::int64_t trade_id, const std::string& error) {
  return m_run("lanes.fail_unsent", [&](Connection& c) {
    SQLite::Transaction t(c.db(), SQLite::TransactionBehavior::IMMEDIATE);
    if (!holds(c, f)) return false;
    auto q = c.prepared(
        "UPDATE trades SET status = 'failed', error = ?, tx_hash = NULL, operator_request = NULL, updated_at = datetime('now'), "
        "finalized_at = datetime('now') WHERE id = ? AND status = 'pending'");
    q->bind(1, error);
    q->bind(2, trade_id);
    const bool failed = q->exec() == 1;
    auto txs = c.prepared("UPDATE trade_transactions SET state = 'refused', updated_at = datetime('now') WHERE trade_id = ? AND state = 'sent'");
    txs->bind(1, trade_id);
    txs->exec();
    t.commit();
    return failed;
  });
}

std::vector<TradeTx> Lanes::unsettled(const std::string& wallet) {
  static const std::string sql =
      fmt::format("SELECT {} FROM trade_transactions WHERE wallet_address = ? AND state = 'sent' ORDER BY nonce, id", k_tx_columns);
  return m_run("lanes.unsettled", [&](Connection& c) {
    auto q = c.prepared(sql);
    q->bind(1, trade_rules::lower(wallet));
    return read_txs(*q);
  });
}

std::vector<TradeTx> Lanes::transactions(std::int64_t trade_id) {
  static const std::string sql = fmt::format("SELECT {} FROM trade_transactions WHERE trade_id = ? ORDER BY id", k_tx_columns);
  return m_run("lanes.transactions", [&](Connection& c) {
    auto q = c.prepared(sql);
    q->bind(1, trade_id);
    return read_txs(*q);
  });
}

std::optional<std::int64_t> Lanes::max_nonce(const std::string& wallet) {
  return m_run("lanes.max_nonce", [&](Connection& c) -> std::optional<std::int64_t> {
    auto q = c.prepared("SELECT MAX(nonce) FROM trade_transactions WHERE wallet_address = ? AND state <> 'refused'");
    q->bind(1, trade_rules::lower(wallet));
    q->executeStep();
    if (q->getColumn(0).isNull()) return std::nullopt;
    return q->getColumn(0).getInt64();
  });
}

bool Lanes::request(std::int64_t trade_id, OperatorRequest request) {
  return m_run("lanes.request", [&](Connection& c) {
    auto q = c.prepared("UPDATE trades SET operator_request = ? WHERE id = ? AND status = 'pending'");
    q->bind(1, std::string(to_string(request)));
    q->bind(2, trade_id);
    return q->exec() == 1;
  });
}

std::vector<std::pair<std::int64_t, OperatorRequest>> Lanes::requests(const std::string& wallet) {
  return m_run("lanes.requests", [&](Connection& c) {
    auto q = c.prepared(
        "SELECT id, operator_request FROM trades WHERE wallet_address = ? AND status = 'pending' AND operator_request IS NOT NULL ORDER BY id");
    q->bind(1, trade_rules::lower(wallet));
    std::vector<std::pair<std::int64_t, OperatorRequest>> out;
    while (q->executeStep()) {
      if (auto r = parse_operator_request(q->getColumn(1).getText())) out.emplace_back(q->getColumn(0).getInt64(), *r);
    }
    return out;
  });
}

bool Lanes::clear_request(const Fence& f, std::int64_t trade_id) {
  return m_run("lanes.clear_request", [&](Connection& c) {
    auto q = c.prepared(
        "UPDATE trades SET operator_request = NULL WHERE id = ? AND status = 'pending' AND operator_request IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM wallet_leases WHERE wallet_address = ? AND owner = ? AND epoch = ?)");
    q->bind(1, trade_id);
    q->bind(2, trade_rules::lower(f.wallet));
    q->bind(3, f.owner);
    q->bind(4, f.epoch);
    return q->exec() == 1;
  });
}

std::vector<WalletStats> Lanes::stats_by_wallet(SystemTime since) {
  return m_run("lanes.stats_by_wallet", [&](Connection& c) {
    auto q = c.prepared(
        "SELECT wallet_address, COUNT(*), COUNT(CASE WHEN status='completed' THEN 1 END), COUNT(CASE WHEN status='failed' THEN 1 END), "
        "COUNT(CASE WHEN status='pending' THEN 1 END), AVG(CAST(gas_fee AS REAL)) FROM trades WHERE created_at > ? "
        "GROUP BY wallet_address ORDER BY wallet_address");
    q->bind(1, to_sql_datetime(since));
    std::vector<WalletStats> out;
    while (q->executeStep()) {
      WalletStats w;
      w.wallet = q->getColumn(0).getString();
      w.stats.total = q->getColumn(1).getInt64();
      w.stats.completed = q->getColumn(2).getInt64();
      w.stats.failed = q->getColumn(3).getInt64();
      w.stats.pending = q->getColumn(4).getInt64();
      if (!q->getColumn(5).isNull()) w.stats.avg_gas_fee_wei = q->getColumn(5).getDouble();
      w.stats.distinct_wallets = 1;
      trade_rules::derive_success_rate(w.stats);
      out.push_back(std::move(w));
    }
    return out;
  });
}

}  // namespace bscbot::core::db::sqlite
