// The PostgreSQL store's trades: amounts in the `wei` domain (NUMERIC(78,0)), times as
// timestamptz, the same filters and order as the SQLite store.
#include "core/db/pg/store_impl.hpp"

namespace bscbot::core::db::pg {

const std::string& trade_columns() {
  static const std::string c = fmt::format(
      "id, tx_hash, wallet_address, token_in, token_out, amount_in, amount_out, amount_out_min, quoted_amount_out, path, "
      "slippage_bps, deadline, gas_limit, gas_price, gas_used, gas_fee, nonce, chain_id, block_number, status, error, {}, {}, {}, "
      "deadline_seconds, operator_request",
      epoch_us("created_at"), epoch_us("updated_at"), epoch_us("finalized_at"));
  return c;
}

Trade read_trade(const Result& r, int i) {
  Trade t;
  t.id = r.integer(i, 0);
  t.tx_hash = r.opt_text(i, 1);
  t.wallet_address = std::string(r.text(i, 2));
  t.token_in = std::string(r.text(i, 3));
  t.token_out = std::string(r.text(i, 4));
  t.amount_in = r.wei(i, 5, "amount_in");
  t.amount_out = r.opt_wei(i, 6, "amount_out");
  t.amount_out_min = r.opt_wei(i, 7, "amount_out_min");
  t.quoted_amount_out = r.opt_wei(i, 8, "quoted_amount_out");
  t.path = std::string(r.text(i, 9));
  t.slippage_bps = r.opt_integer(i, 10);
  t.deadline = r.opt_integer(i, 11);
  t.gas_limit = r.opt_integer(i, 12);
  t.gas_price = r.opt_wei(i, 13, "gas_price");
  t.gas_used = r.opt_integer(i, 14);
  t.gas_fee = r.opt_wei(i, 15, "gas_fee");
  t.nonce = r.opt_integer(i, 16);
  t.chain_id = r.opt_integer(i, 17);
  t.block_number = r.opt_integer(i, 18);
  t.status = parse_trade_status(r.text(i, 19)).value_or(TradeStatus::pending);
  t.error = r.opt_text(i, 20);
  t.created_at = r.time(i, 21);
  t.updated_at = r.time(i, 22);
  t.finalized_at = r.opt_time(i, 23);
  t.deadline_seconds = r.opt_integer(i, 24);
  t.operator_request = r.opt_text(i, 25);
  return t;
}

namespace {

std::string select(std::string_view rest) { return fmt::format("SELECT {} FROM trades {}", trade_columns(), rest); }

std::vector<Trade> read_all(const Result& r) {
  std::vector<Trade> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_trade(r, i));
  return out;
}

std::optional<Trade> read_one(const Result& r) {
  if (r.rows() == 0) return std::nullopt;
  return read_trade(r, 0);
}

constexpr std::string_view k_stats_columns =
    "COUNT(*), COUNT(*) FILTER (WHERE status = 'completed'), COUNT(*) FILTER (WHERE status = 'failed'), "
    "COUNT(*) FILTER (WHERE status = 'pending'), AVG(gas_fee)::float8, COUNT(DISTINCT wallet_address)";

TradeStats read_stats(const Result& r, int row, int first) {
  TradeStats s;
  s.total = r.integer(row, first);
  s.completed = r.integer(row, first + 1);
  s.failed = r.integer(row, first + 2);
  s.pending = r.integer(row, first + 3);
  if (!r.is_null(row, first + 4)) s.avg_gas_fee_wei = r.number(row, first + 4);
  s.distinct_wallets = r.integer(row, first + 5);
  trade_rules::derive_success_rate(s);
  return s;
}

}  // namespace

std::int64_t Trades::insert(const NewTrade& t) {
  return m_run("trades.insert", Retry::no, [&](Connection& c) {
    const Result r = c.exec(
        "INSERT INTO trades (wallet_address, token_in, token_out, amount_in, path, amount_out_min, quoted_amount_out, "
        "slippage_bps, deadline, chain_id, status, created_at, updated_at, deadline_seconds) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', COALESCE($11::timestamptz, now()), COALESCE($11::timestamptz, now()), $12) "
        "RETURNING id",
        {Param::of(trade_rules::lower(t.wallet_address)), Param::of(trade_rules::lower(t.token_in)), Param::of(trade_rules::lower(t.token_out)),
         Param::of(t.amount_in), Param::of(trade_rules::lower(t.path)), Param::of(t.amount_out_min), Param::of(t.quoted_amount_out),
         Param::of(t.slippage_bps), Param::of(t.deadline), Param::of(t.chain_id), Param::of(t.created_at), Param::of(t.deadline_seconds)});
    return r.integer(0, 0);
  });
}

std::optional<Trade> Trades::find(std::int64_t id) {
  static const std::string sql = select("WHERE id = $1");
  return m_run("trades.find", Retry::safe, [&](Connection& c) { return read_one(c.exec(sql, {Param::of(id)})); });
}

std::optional<Trade> Trades::find_by_tx_hash(const std::string& tx_hash) {
  static const std::string sql = select("WHERE tx_hash = $1");
  return m_run("trades.find_by_tx_hash", Retry::safe, [&](Connection& c) { return read_one(c.exec(sql, {Param::of(trade_rules::lower(tx_hash))})); });
}

std::vector<Trade> Trades::history(const HistoryQuery& query) {
  trade_rules::check_history_limit(query.limit);
  std::string where = "WHERE true";
  std::vector<Param> params;
  if (query.wallet) {
    params.push_back(Param::of(trade_rules::lower(*query.wallet)));
    where += fmt::format(" AND wallet_address = ${}", params.size());
  }
  if (query.status) {
    params.push_back(Param::of(to_string(*query.status)));
    where += fmt::format(" AND status = ${}", params.size());
  }
  if (query.since) {
    params.push_back(Param::of(*query.since));
    where += fmt::format(" AND created_at > ${}", params.size());
  }
  params.push_back(Param::of(query.limit));
  const std::string sql = select(fmt::format("{} ORDER BY created_at DESC, id DESC LIMIT ${}", where, params.size()));
  return m_run("trades.history", Retry::safe, [&](Connection& c) { return read_all(c.exec(sql, params)); });
}

TradeStats Trades::stats(SystemTime since) {
  static const std::string sql = fmt::format("SELECT {} FROM trades WHERE created_at > $1", k_stats_columns);
  return m_run("trades.stats", Retry::safe, [&](Connection& c) { return read_stats(c.exec(sql, {Param::of(since)}), 0, 0); });
}

std::vector<DailyTrades> Trades::daily(SystemTime since, SystemTime until) {
  std::vector<DailyTrades> out;
  for (auto& [day, stats] : grouped("trades.daily", "YYYY-MM-DD", since, until)) out.push_back({std::move(day), stats});
  return out;
}

std::vector<HourlyTrades> Trades::hourly(SystemTime since, SystemTime until) {
  std::vector<HourlyTrades> out;
  for (auto& [hour, stats] : grouped("trades.hourly", "YYYY-MM-DD HH24", since, until)) out.push_back({std::move(hour), stats});
  return out;
}

// Periods named as SQLite's text prefixes are ("2026-12-02", "2026-12-02 09"), in UTC.
std::vector<std::pair<std::string, TradeStats>> Trades::grouped(const char* name, const char* format, SystemTime since, SystemTime until) {
  const std::string sql = fmt::format(
      "SELECT to_char(created_at AT TIME ZONE 'UTC', '{}') AS period, {} FROM trades WHERE created_at > $1 AND created_at <= $2 "
      "GROUP BY period ORDER BY period",
      format, k_stats_columns);
  return m_run(name, Retry::safe, [&](Connection& c) {
    const Result r = c.exec(sql, {Param::of(since), Param::of(until)});
    std::vector<std::pair<std::string, TradeStats>> out;
    for (int i = 0; i < r.rows(); ++i) out.emplace_back(std::string(r.text(i, 0)), read_stats(r, i, 1));
    return out;
  });
}

Wei Trades::volume_in(SystemTime since) {
  return m_run("trades.volume_in", Retry::safe, [&](Connection& c) {
    return c.exec("SELECT COALESCE(SUM(amount_in), 0) FROM trades WHERE created_at > $1", {Param::of(since)}).wei(0, 0, "volume");
  });
}

std::vector<TradedPair> Trades::traded_pairs(int limit) {
  return m_run("trades.pairs", Retry::safe, [&](Connection& c) {
    const Result r = c.exec("SELECT token_in, token_out, COUNT(*) FROM trades GROUP BY token_in, token_out ORDER BY COUNT(*) DESC, token_in, token_out LIMIT $1",
                            {Param::of(limit)});
    std::vector<TradedPair> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back({std::string(r.text(i, 0)), std::string(r.text(i, 1)), r.integer(i, 2)});
    return out;
  });
}

std::vector<Trade> Trades::suspicious(const Wei& limit, int max_rows) {
  static const std::string sql =
      select("WHERE amount_in > $1::numeric OR (finalized_at IS NOT NULL AND updated_at > finalized_at) ORDER BY created_at DESC, id DESC LIMIT $2");
  return m_run("trades.suspicious", Retry::safe, [&](Connection& c) { return read_all(c.exec(sql, {Param::of(limit), Param::of(max_rows)})); });
}

std::vector<Trade> Trades::pending() {
  static const std::string sql = select("WHERE status = 'pending' ORDER BY id");
  return m_run("trades.pending", Retry::safe, [&](Connection& c) { return read_all(c.exec(sql)); });
}

std::optional<TradeSpan> Trades::span() {
  static const std::string sql =
      fmt::format("SELECT {}, {}, MAX(id) FROM trades", epoch_us("MIN(created_at)"), epoch_us("MAX(created_at)"));
  return m_run("trades.span", Retry::safe, [&](Connection& c) -> std::optional<TradeSpan> {
    const Result r = c.exec(sql);
    if (r.is_null(0, 0)) return std::nullopt;
    return TradeSpan{r.time(0, 0), r.time(0, 1), r.integer(0, 2)};
  });
}

bool Trades::mark_signed(std::int64_t id, const SignedTrade& s) {
  return m_run("trades.mark_signed", Retry::no, [&](Connection& c) {
    return c.exec("UPDATE trades SET quoted_amount_out = $1, amount_out_min = $2, slippage_bps = $3, deadline = $4, gas_limit = $5, "
                  "gas_price = $6, nonce = $7, chain_id = $8, tx_hash = $9, path = $10 "
                  "WHERE id = $11 AND status = 'pending' AND tx_hash IS NULL",
                  {Param::of(s.quoted_amount_out), Param::of(s.amount_out_min), Param::of(s.slippage_bps), Param::of(s.deadline),
                   Param::of(s.gas_limit), Param::of(s.gas_price), Param::of(s.nonce), Param::of(s.chain_id),
                   Param::of(trade_rules::lower(s.tx_hash)), Param::of(trade_rules::lower(s.path)), Param::of(id)})
               .affected() == 1;
  });
}

bool Trades::complete(std::int64_t id, const Wei& amount_out, const TradeReceipt& r) {
  return m_run("trades.complete", Retry::no, [&](Connection& c) {
    return c.exec("UPDATE trades SET status = 'completed', amount_out = $1, gas_used = $2, gas_fee = $3, block_number = $4, error = NULL, "
                  "updated_at = now(), finalized_at = now() WHERE id = $5 AND status = 'pending'",
                  {Param::of(amount_out), Param::of(r.gas_used), Param::of(r.gas_fee), Param::of(r.block_number), Param::of(id)})
               .affected() == 1;
  });
}

bool Trades::fail(std::int64_t id, const std::string& reason, const std::optional<TradeReceipt>& r, KeepTxHash keep) {
  const std::string_view sql = keep == KeepTxHash::no
                                   ? "UPDATE trades SET status = 'failed', error = $1, gas_used = $2, gas_fee = $3, block_number = $4, "
                                     "tx_hash = NULL, updated_at = now(), finalized_at = now() WHERE id = $5 AND status = 'pending'"
                                   : "UPDATE trades SET status = 'failed', error = $1, gas_used = $2, gas_fee = $3, block_number = $4, "
                                     "updated_at = now(), finalized_at = now() WHERE id = $5 AND status = 'pending'";
  return m_run("trades.fail", Retry::no, [&](Connection& c) {
    return c.exec(sql, {Param::of(reason), r ? Param::of(r->gas_used) : Param::null(), r ? Param::of(r->gas_fee) : Param::null(),
                        r ? Param::of(r->block_number) : Param::null(), Param::of(id)})
               .affected() == 1;
  });
}

CleanupResult Trades::delete_older_than(SystemTime cutoff, DryRun dry_run) {
  CleanupResult result = m_run("trades.cleanup_count", Retry::safe, [&](Connection& c) {
    const Result r = c.exec("SELECT COUNT(*) FILTER (WHERE status <> 'pending'), COUNT(*) FILTER (WHERE status = 'pending') "
                            "FROM trades WHERE created_at < $1",
                            {Param::of(cutoff)});
    CleanupResult out;
    out.cutoff = cutoff;
    out.deleted = r.integer(0, 0);
    out.kept_pending = r.integer(0, 1);
    return out;
  });
  if (dry_run == DryRun::yes) return result;
  // Batches of 5000 rows, each its own statement (and transaction), so writers wait for one
  // batch at most; a batch repeated after a lost connection deletes what is still there.
  std::int64_t deleted = 0;
  for (;;) {
    const std::int64_t n = m_run("trades.cleanup", Retry::safe, [&](Connection& c) {
      return c.exec("DELETE FROM trades WHERE id IN (SELECT id FROM trades WHERE created_at < $1 AND status <> 'pending' LIMIT 5000)",
                    {Param::of(cutoff)})
          .affected();
    });
    deleted += n;
    if (n == 0) break;
  }
  result.deleted = deleted;
  return result;
}

}  // namespace bscbot::core::db::pg
