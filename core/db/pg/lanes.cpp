// The PostgreSQL store's lanes: several daemons on one database, exactly one sending for a
// wallet at a time. The lease is an advisory lock per wallet held on a session of its own
// (outside the pool, so it lives exactly as long as the holder: the server frees it the moment
// the holder's process dies), plus a row whose epoch rises with every grant. Every write of a
// sender locks that row FOR SHARE and checks the epoch in the same transaction, so it waits for
// or is refused by a takeover, never slips past one. Queued swaps are claimed FOR UPDATE SKIP
// LOCKED, so a sender never waits on a row another daemon is cancelling.
#include <algorithm>

#include "core/db/pg/store_impl.hpp"

namespace bscbot::core::db::pg {

namespace {

const std::string& tx_columns() {
  static const std::string c = fmt::format(
      "id, wallet_address, nonce, tx_hash, trade_id, kind, gas_price, raw_tx, state, epoch, block_number, {}", epoch_us("created_at"));
  return c;
}

TradeTx read_tx(const Result& r, int i) {
  TradeTx t;
  t.id = r.integer(i, 0);
  t.wallet = std::string(r.text(i, 1));
  t.nonce = r.integer(i, 2);
  t.tx_hash = std::string(r.text(i, 3));
  t.trade_id = r.opt_integer(i, 4);
  t.kind = parse_tx_kind(r.text(i, 5)).value_or(TxKind::swap);
  t.gas_price = r.wei(i, 6, "gas_price");
  t.raw_tx = r.opt_text(i, 7);
  t.state = parse_tx_state(r.text(i, 8)).value_or(TxState::sent);
  t.epoch = r.integer(i, 9);
  t.block_number = r.opt_integer(i, 10);
  t.created_at = r.time(i, 11);
  return t;
}

std::vector<TradeTx> read_txs(const Result& r) {
  std::vector<TradeTx> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_tx(r, i));
  return out;
}

// The advisory lock key of a wallet (64 bits of a hash of its address).
constexpr std::string_view k_lock_key = "hashtextextended('bscbot-wallet:' || $1, 0)";

// Runs `f` inside BEGIN/COMMIT on `c`, rolling back when it throws.
template <typename F>
auto in_transaction(Connection& c, F&& f) {
  c.run("BEGIN");
  try {
    auto result = f();
    c.run("COMMIT");
    return result;
  } catch (...) {
    try {
      c.run("ROLLBACK");
    } catch (const FailureError&) {
      // Lost with the connection; the server rolled it back.
    }
    throw;
  }
}

// Locks the fence's lease row against a takeover until the transaction ends; false when the
// fence is no longer the lease's.
bool holds(Connection& c, const Fence& f) {
  return c.exec("SELECT 1 FROM wallet_leases WHERE wallet_address = $1 AND owner = $2 AND epoch = $3 FOR SHARE",
                {Param::of(trade_rules::lower(f.wallet)), Param::of(f.owner), Param::of(f.epoch)})
             .rows() == 1;
}

void insert_tx(Connection& c, const Fence& f, const TxRecord& tx) {
  c.exec("INSERT INTO trade_transactions (wallet_address, nonce, tx_hash, trade_id, kind, gas_price, raw_tx, epoch) "
         "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
         // The very bytes of a transaction refused or dropped earlier sent again: live again.
         "ON CONFLICT (tx_hash) DO UPDATE SET state = 'sent', epoch = excluded.epoch, block_number = NULL, updated_at = now() "
         "WHERE trade_transactions.state <> 'mined'",
         {Param::of(trade_rules::lower(f.wallet)), Param::of(tx.nonce), Param::of(trade_rules::lower(tx.tx_hash)), Param::of(tx.trade_id),
          Param::of(to_string(tx.kind)), Param::of(tx.gas_price), Param::of(tx.raw_tx), Param::of(f.epoch)});
}

}  // namespace

Lanes::Lanes(Runner& run, ConnectSettings settings) : m_run(run), m_settings(std::move(settings)) {
  m_settings.application_name += "-lease";
}

Lanes::~Lanes() = default;

// The lease session; reconnected when lost, which also loses every lock it held.
Connection& Lanes::session() {
  if (m_session && !m_session->healthy()) {
    m_session.reset();
    m_held.clear();
  }
  if (!m_session) m_session = std::make_unique<Connection>(m_settings);
  return *m_session;
}

template <typename F>
auto Lanes::on_session(std::string_view name, F&& f) {
  try {
    return f(session());
  } catch (const FailureError& e) {
    if (e.failure().connection_lost || !m_session->healthy()) {
      m_session.reset();
      m_held.clear();
      throw DbError(ErrorKind::unavailable, fmt::format("{}: the lease session to PostgreSQL was lost: {}", name, e.failure().message),
                    DbFailure::connection_lost);
    }
    throw DbError(ErrorKind::database, fmt::format("{} failed: {}", name, e.failure().message),
                  is_transient_sqlstate(e.failure().sqlstate) ? DbFailure::transient : DbFailure::permanent);
  }
}

std::optional<Fence> Lanes::acquire(const std::string& wallet, const std::string& owner, std::chrono::seconds ttl) {
  std::lock_guard lock(m_mutex);
  const std::string w = trade_rules::lower(wallet);
  return on_session("lanes.acquire", [&](Connection& c) -> std::optional<Fence> {
    if (!m_held.contains(w)) {
      const bool got = c.exec(fmt::format("SELECT pg_try_advisory_lock({})", k_lock_key), {Param::of(w)}).text(0, 0) == "t";
      if (!got) {
        // Held by a session that has stopped renewing (a stopped or partitioned daemon whose
        // connection the server still keeps): end it, so its lock frees and its writes fail.
        const Result stale = c.exec(
            "SELECT session_pid FROM wallet_leases WHERE wallet_address = $1 AND session_pid IS NOT NULL "
            "AND heartbeat_at < now() - make_interval(secs => $2)",
            {Param::of(w), Param::of(static_cast<std::int64_t>(ttl.count()))});
        if (stale.rows() == 1) c.exec("SELECT pg_terminate_backend($1::int)", {Param::of(stale.integer(0, 0))});
        return std::nullopt;
      }
      m_held.insert(w);
    }
    const std::int64_t epoch = in_transaction(c, [&] {
      const Result r = c.exec(
          "INSERT INTO wallet_leases (wallet_address, owner, epoch, session_pid, acquired_at, heartbeat_at) "
          "VALUES ($1, $2, 1, pg_backend_pid(), now(), now()) "
          "ON CONFLICT (wallet_address) DO UPDATE SET owner = excluded.owner, epoch = wallet_leases.epoch + 1, "
          "session_pid = excluded.session_pid, acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at RETURNING epoch",
          {Param::of(w), Param::of(owner)});
      // Claimed by an earlier holder but never signed: back in the queue.
      c.exec("UPDATE trades SET claimed_epoch = NULL WHERE wallet_address = $1 AND status = 'pending' AND tx_hash IS NULL "
             "AND claimed_epoch IS NOT NULL",
             {Param::of(w)});
      return r.integer(0, 0);
    });
    return Fence{w, owner, epoch};
  });
}

bool Lanes::renew(const Fence& f) {
  std::lock_guard lock(m_mutex);
  const std::string w = trade_rules::lower(f.wallet);
  if (!m_held.contains(w) || !m_session || !m_session->healthy()) return false;
  try {
    return on_session("lanes.renew", [&](Connection& c) {
      return c.exec("UPDATE wallet_leases SET heartbeat_at = now() WHERE wallet_address = $1 AND owner = $2 AND epoch = $3",
                    {Param::of(w), Param::of(f.owner), Param::of(f.epoch)})
                 .affected() == 1;
    });
  } catch (const DbError& e) {
    if (e.failure() == DbFailure::connection_lost) return false;
    throw;
  }
}

void Lanes::release(const Fence& f) {
  std::lock_guard lock(m_mutex);
  const std::string w = trade_rules::lower(f.wallet);
  if (!m_held.contains(w)) return;
  on_session("lanes.release", [&](Connection& c) {
    c.exec("UPDATE wallet_leases SET owner = NULL, heartbeat_at = NULL, session_pid = NULL WHERE wallet_address = $1 AND owner = $2 AND epoch = $3",
           {Param::of(w), Param::of(f.owner), Param::of(f.epoch)});
    c.exec(fmt::format("SELECT pg_advisory_unlock({})", k_lock_key), {Param::of(w)});
    return 0;
  });
  m_held.erase(w);
}

std::vector<LeaseInfo> Lanes::leases() {
  static const std::string sql = fmt::format("SELECT wallet_address, owner, epoch, {}, {} FROM wallet_leases ORDER BY wallet_address",
                                             epoch_us("acquired_at"), epoch_us("heartbeat_at"));
  return m_run("lanes.leases", Retry::safe, [&](Connection& c) {
    const Result r = c.exec(sql);
    std::vector<LeaseInfo> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back({std::string(r.text(i, 0)), r.opt_text(i, 1), r.integer(i, 2), r.opt_time(i, 3), r.opt_time(i, 4)});
    return out;
  });
}

std::vector<Trade> Lanes::claim(const Fence& f, int limit) {
  static const std::string sql = fmt::format(
      "WITH lease AS (SELECT 1 FROM wallet_leases WHERE wallet_address = $1 AND owner = $2 AND epoch = $3 FOR SHARE), "
      "picked AS (SELECT id AS pick_id FROM trades WHERE wallet_address = $1 AND status = 'pending' AND tx_hash IS NULL "
      "AND claimed_epoch IS NULL AND EXISTS (SELECT 1 FROM lease) ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED) "
      "UPDATE trades SET claimed_epoch = $3 FROM picked WHERE trades.id = picked.pick_id RETURNING {}",
      trade_columns());
  auto out = m_run("lanes.claim", Retry::no, [&](Connection& c) {
    const Result r = c.exec(sql, {Param::of(trade_rules::lower(f.wallet)), Param::of(f.owner), Param::of(f.epoch), Param::of(limit)});
    std::vector<Trade> rows;
    for (int i = 0; i < r.rows(); ++i) rows.push_back(read_trade(r, i));
    return rows;
  });
  std::sort(out.begin(), out.end(), [](const Trade& a, const Trade& b) { return a.id < b.id; });
  return out;
}

std::map<std::string, std::int64_t> Lanes::pending_by_wallet() {
  return m_run("lanes.pending_by_wallet", Retry::safe, [&](Connection& c) {
    const Result r = c.exec("SELECT wallet_address, COUNT(*) FROM trades WHERE status = 'pending' GROUP BY wallet_address");
    std::map<std::string, std::int64_t> out;
    for (int i = 0; i < r.rows(); ++i) out[std::string(r.text(i, 0))] = r.integer(i, 1);
    return out;
  });
}

bool Lanes::cancel_queued(std::int64_t id, const std::string& error) {
  return m_run("lanes.cancel_queued", Retry::no, [&](Connection& c) {
    return c.exec("UPDATE trades SET status = 'failed', error = $1, operator_request = NULL, updated_at = now(), finalized_at = now() "
                  "WHERE id = $2 AND status = 'pending' AND tx_hash IS NULL AND claimed_epoch IS NULL",
                  {Param::of(error), Param::of(id)})
               .affected() == 1;
  });
}

bool Lanes::record_first_send(const Fence& f, std::int64_t trade_id, const SignedTrade& s, const TxRecord& tx) {
  return m_run("lanes.record_first_send", Retry::no, [&](Connection& c) {
    return in_transaction(c, [&] {
      if (!holds(c, f)) return false;
      const bool marked =
          c.exec("UPDATE trades SET quoted_amount_out = $1, amount_out_min = $2, slippage_bps = $3, deadline = $4, gas_limit = $5, "
                 "gas_price = $6, nonce = $7, chain_id = $8, tx_hash = $9, path = $10 "
                 "WHERE id = $11 AND status = 'pending' AND tx_hash IS NULL AND claimed_epoch = $12 AND operator_request IS NULL",
                 {Param::of(s.quoted_amount_out), Param::of(s.amount_out_min), Param::of(s.slippage_bps), Param::of(s.deadline),
                  Param::of(s.gas_limit), Param::of(s.gas_price), Param::of(s.nonce), Param::of(s.chain_id),
                  Param::of(trade_rules::lower(s.tx_hash)), Param::of(trade_rules::lower(s.path)), Param::of(trade_id), Param::of(f.epoch)})
              .affected() == 1;
      if (!marked) return false;
      insert_tx(c, f, tx);
      return true;
    });
  });
}

bool Lanes::record_tx(const Fence& f, const TxRecord& tx) {
  return m_run("lanes.record_tx", Retry::no, [&](Connection& c) {
    return in_transaction(c, [&] {
      if (!holds(c, f)) return false;
      if (tx.trade_id) {
        const bool pending =
            tx.kind == TxKind::swap
                ? c.exec("UPDATE trades SET tx_hash = $1, gas_price = $2 WHERE id = $3 AND status = 'pending'",
                         {Param::of(trade_rules::lower(tx.tx_hash)), Param::of(tx.gas_price), Param::of(*tx.trade_id)})
                          .affected() == 1
                : c.exec("SELECT 1 FROM trades WHERE id = $1 AND status = 'pending'", {Param::of(*tx.trade_id)}).rows() == 1;
        if (!pending) return false;
      }
      insert_tx(c, f, tx);
      return true;
    });
  });
}

bool Lanes::mark_tx(const Fence& f, const std::string& tx_hash, TxState state) {
  return m_run("lanes.mark_tx", Retry::no, [&](Connection& c) {
    return in_transaction(c, [&] {
      if (!holds(c, f)) return false;
      const bool changed =
          c.exec("UPDATE trade_transactions SET state = $1, updated_at = now() WHERE tx_hash = $2 AND wallet_address = $3",
                 {Param::of(to_string(state)), Param::of(trade_rules::lower(tx_hash)), Param::of(trade_rules::lower(f.wallet))})
              .affected() == 1;
      if (state == TxState::refused) {
        // A refused transaction never existed: the trade is known by its last one that did (none
        // for a refused first send, which makes the trade sendable again).
        c.exec("UPDATE trades SET tx_hash = (SELECT x.tx_hash FROM trade_transactions x WHERE x.trade_id = trades.id AND x.kind = 'swap' "
               "AND x.state <> 'refused' ORDER BY x.id DESC LIMIT 1), gas_price = COALESCE((SELECT x.gas_price FROM trade_transactions x "
               "WHERE x.trade_id = trades.id AND x.kind = 'swap' AND x.state <> 'refused' ORDER BY x.id DESC LIMIT 1), gas_price) "
               "WHERE tx_hash = $1 AND status = 'pending'",
               {Param::of(trade_rules::lower(tx_hash))});
      }
      return changed;
    });
  });
}

bool Lanes::settle(const Fence& f, const NonceOutcome& o) {
  return m_run("lanes.settle", Retry::no, [&](Connection& c) {
    return in_transaction(c, [&] {
      if (!holds(c, f)) return false;
      const std::optional<std::string> mined = o.mined_hash ? std::optional<std::string>(trade_rules::lower(*o.mined_hash)) : std::nullopt;
      c.exec("UPDATE trade_transactions SET state = CASE WHEN tx_hash = $1 THEN 'mined' WHEN $1 IS NOT NULL THEN 'replaced' ELSE 'dropped' END, "
             "block_number = CASE WHEN tx_hash = $1 THEN $2 ELSE block_number END, updated_at = now() "
             "WHERE wallet_address = $3 AND nonce = $4 AND state <> 'refused'",
             {Param::of(mined), Param::of(o.block_number), Param::of(trade_rules::lower(f.wallet)), Param::of(o.nonce)});
      if (o.trade) {
        const TradeOutcome& r = *o.trade;
        c.exec("UPDATE trades SET status = $1, amount_out = $2, error = $3, gas_used = $4, gas_fee = $5, block_number = $6, "
               "tx_hash = CASE WHEN $7 THEN NULL ELSE COALESCE($8, tx_hash) END, gas_price = COALESCE($9::numeric, gas_price), "
               "operator_request = NULL, updated_at = now(), finalized_at = now() WHERE id = $10 AND status = 'pending'",
               {Param::of(r.status == TradeStatus::completed ? "completed" : "failed"), Param::of(r.amount_out), Param::of(r.error),
                r.receipt ? Param::of(r.receipt->gas_used) : Param::null(), r.receipt ? Param::of(r.receipt->gas_fee) : Param::null(),
                r.receipt ? Param::of(r.receipt->block_number) : Param::null(), Param::of(r.keep == KeepTxHash::no ? "true" : "false"),
                Param::of(r.mined_hash ? std::optional<std::string>(trade_rules::lower(*r.mined_hash)) : std::nullopt), Param::of(r.gas_price),
                Param::of(r.id)});
      }
      return true;
    });
  });
}

bool Lanes::fail_unsent(const Fence& f, std::int64_t trade_id, const std::string& error) {
  return m_run("lanes.fail_unsent", Retry::no, [&](Connection& c) {
    return in_transaction(c, [&] {
      if (!holds(c, f)) return false;
      const bool failed = c.exec("UPDATE trades SET status = 'failed', error = $1, tx_hash = NULL, operator_request = NULL, updated_at = now(), "
                                 "finalized_at = now() WHERE id = $2 AND status = 'pending'",
                                 {Param::of(error), Param::of(trade_id)})
                              .affected() == 1;
      c.exec("UPDATE trade_transactions SET state = 'refused', updated_at = now() WHERE trade_id = $1 AND state = 'sent'", {Param::of(trade_id)});
      return failed;
    });
  });
}

std::vector<TradeTx> Lanes::unsettled(const std::string& wallet) {
  static const std::string sql =
      fmt::format("SELECT {} FROM trade_transactions WHERE wallet_address = $1 AND state = 'sent' ORDER BY nonce, id", tx_columns());
  return m_run("lanes.unsettled", Retry::safe, [&](Connection& c) { return read_txs(c.exec(sql, {Param::of(trade_rules::lower(wallet))})); });
}

std::vector<TradeTx> Lanes::transactions(std::int64_t trade_id) {
  static const std::string sql = fmt::format("SELECT {} FROM trade_transactions WHERE trade_id = $1 ORDER BY id", tx_columns());
  return m_run("lanes.transactions", Retry::safe, [&](Connection& c) { return read_txs(c.exec(sql, {Param::of(trade_id)})); });
}

std::optional<std::int64_t> Lanes::max_nonce(const std::string& wallet) {
  return m_run("lanes.max_nonce", Retry::safe, [&](Connection& c) {
    return c.exec("SELECT MAX(nonce) FROM trade_transactions WHERE wallet_address = $1 AND state <> 'refused'",
                  {Param::of(trade_rules::lower(wallet))})
        .opt_integer(0, 0);
  });
}

bool Lanes::request(std::int64_t trade_id, OperatorRequest request) {
  return m_run("lanes.request", Retry::no, [&](Connection& c) {
    return c.exec("UPDATE trades SET operator_request = $1 WHERE id = $2 AND status = 'pending'", {Param::of(to_string(request)), Param::of(trade_id)})
               .affected() == 1;
  });
}

std::vector<std::pair<std::int64_t, OperatorRequest>> Lanes::requests(const std::string& wallet) {
  return m_run("lanes.requests", Retry::safe, [&](Connection& c) {
    const Result r = c.exec(
        "SELECT id, operator_request FROM trades WHERE wallet_address = $1 AND status = 'pending' AND operator_request IS NOT NULL ORDER BY id",
        {Param::of(trade_rules::lower(wallet))});
    std::vector<std::pair<std::int64_t, OperatorRequest>> out;
    for (int i = 0; i < r.rows(); ++i) {
      if (auto q = parse_operator_request(r.text(i, 1))) out.emplace_back(r.integer(i, 0), *q);
    }
    return out;
  });
}

bool Lanes::clear_request(const Fence& f, std::int64_t trade_id) {
  return m_run("lanes.clear_request", Retry::no, [&](Connection& c) {
    return c.exec("WITH lease AS (SELECT 1 FROM wallet_leases WHERE wallet_address = $2 AND owner = $3 AND epoch = $4 FOR SHARE) "
                  "UPDATE trades SET operator_request = NULL WHERE id = $1 AND status = 'pending' AND operator_request IS NOT NULL "
                  "AND EXISTS (SELECT 1 FROM lease)",
                  {Param::of(trade_id), Param::of(trade_rules::lower(f.wallet)), Param::of(f.owner), Param::of(f.epoch)})
               .affected() == 1;
  });
}

std::vector<WalletStats> Lanes::stats_by_wallet(SystemTime since) {
  return m_run("lanes.stats_by_wallet", Retry::safe, [&](Connection& c) {
    const Result r = c.exec(
        "SELECT wallet_address, COUNT(*), COUNT(*) FILTER (WHERE status = 'completed'), COUNT(*) FILTER (WHERE status = 'failed'), "
        "COUNT(*) FILTER (WHERE status = 'pending'), AVG(gas_fee)::float8 FROM trades WHERE created_at > $1 "
        "GROUP BY wallet_address ORDER BY wallet_address",
        {Param::of(since)});
    std::vector<WalletStats> out;
    for (int i = 0; i < r.rows(); ++i) {
      WalletStats w;
      w.wallet = std::string(r.text(i, 0));
      w.stats.total = r.integer(i, 1);
      w.stats.completed = r.integer(i, 2);
      w.stats.failed = r.integer(i, 3);
      w.stats.pending = r.integer(i, 4);
      if (!r.is_null(i, 5)) w.stats.avg_gas_fee_wei = r.number(i, 5);
      w.stats.distinct_wallets = 1;
      trade_rules::derive_success_rate(w.stats);
      out.push_back(std::move(w));
    }
    return out;
  });
}

}  // namespace bscbot::core::db::pg
