// The trade store's contract, on SQLite and on PostgreSQL with the same assertions.
#include <doctest/doctest.h>

#include <algorithm>

#include "core/error.hpp"
#include "core/util/wei.hpp"
#include "tests/support/stores.hpp"

using namespace bscbot::core;
using bscbot::test::Scratch;

namespace {

const std::string k_wallet_a = "0x1111111111111111111111111111111111111111";
const std::string k_wallet_b = "0x2222222222222222222222222222222222222222";
const std::string k_wbnb = "0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c";
const std::string k_cake = "0x0e09fabb73bd3ade0a17ecc321fd13a19e81ce82";
const std::string k_max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";

// Times relative to one instant taken once, in whole seconds (what SQLite's datetime() holds),
// so every comparison below is exact.
SystemTime ago(int seconds) {
  static const SystemTime base = std::chrono::time_point_cast<std::chrono::seconds>(system_clock().now());
  return base - std::chrono::seconds(seconds);
}

template <typename B>
struct Fixture {
  Scratch scratch{"trade-store"};
  std::unique_ptr<db::Store> store = bscbot::test::make_store(B::backend, scratch);
  db::TradeStore& repo = store->trades();

  std::int64_t add(const std::string& wallet, const std::string& amount, SystemTime created_at) {
    db::NewTrade t;
    t.wallet_address = wallet;
    t.token_in = k_wbnb;
    t.token_out = k_cake;
    t.amount_in = Wei::require(amount, "amount");
    t.path = k_wbnb + "," + k_cake;
    t.created_at = created_at;
    return repo.insert(t);
  }
  void finish(std::int64_t id, bool completed, const char* gas_fee) {
    const db::TradeReceipt r{21000, Wei::require(gas_fee, "gas_fee"), 1};
    if (completed) CHECK(repo.complete(id, Wei::require("1", "out"), r));
    else CHECK(repo.fail(id, "reverted", r, db::KeepTxHash::yes));
  }
  std::int64_t count() { return std::stoll(store->query_rows("SELECT COUNT(*) FROM trades").at(0).at(0)); }
};

db::SignedTrade signed_trade(const std::string& hash) {
  db::SignedTrade s;
  s.quoted_amount_out = Wei::require("987158034397061298850", "q");
  s.amount_out_min = Wei::require("982222244225075992355", "m");
  s.slippage_bps = 50;
  s.deadline = 1'800'000'000;
  s.gas_limit = 500000;
  s.gas_price = Wei::require("1183065756", "g");
  s.nonce = 7;
  s.chain_id = 56;
  s.tx_hash = hash;
  s.path = "0x5FbDB2315678afecb367f032d93F642f64180aa3,0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9";
  return s;
}

const std::string k_hash = "0x3A4ECA6AC17EC211E2B149A5F42972587300CDC06BE166CAF6AB49AFD1F8157F";

}  // namespace

TEST_CASE_TEMPLATE("store: uint256 amounts are stored and read back without loss", B, bscbot::test::OnSqlite, bscbot::test::OnPg) {
  Fixture<B> f;
  const auto at = ago(10);
  const auto id = f.add(k_wallet_a, k_max, at);
  const auto t = f.repo.find(id);
  REQUIRE(t);
  CHECK(t->amount_in.decimal() == k_max);
  CHECK(t->status == db::TradeStatus::pending);
  CHECK(t->created_at == at);
  CHECK(f.repo.find(f.add(k_wallet_a, "000123", ago(5)))->amount_in.decimal() == "123");
  // Anything not a uint256 is refused before it reaches the database.
  CHECK_THROWS_AS(f.add(k_wallet_a, "-1", ago(1)), Error);
  CHECK_THROWS_AS(f.add(k_wallet_a, "1.5", ago(1)), Error);
  CHECK_THROWS_AS(f.add(k_wallet_a, k_max + "0", ago(1)), Error);
  // The database's own range check holds too, for rows written around bscbot.
  CHECK_THROWS_AS(f.store->query_rows("UPDATE trades SET amount_in = '" + k_max + "0' WHERE id = " + std::to_string(id)), Error);
}

TEST_CASE_TEMPLATE("store: history is newest first, filtered and bounded", B, bscbot::test::OnSqlite, bscbot::test::OnPg) {
  Fixture<B> f;
  const auto old_a = f.add(k_wallet_a, "1", ago(300));
  const auto mid_b = f.add(k_wallet_b, "2", ago(200));
  const auto new_a = f.add(k_wallet_a, "3", ago(100));
  db::HistoryQuery q;
  auto all = f.repo.history(q);
  REQUIRE(all.size() == 3);
  CHECK(all[0].id == new_a);
  CHECK(all[1].id == mid_b);
  CHECK(all[2].id == old_a);
  q.limit = 1;
  CHECK(f.repo.history(q).size() == 1);
  q.limit = 20;
  q.wallet = "0x1111111111111111111111111111111111111111";
  auto a = f.repo.history(q);
  REQUIRE(a.size() == 2);
  CHECK(a[0].id == new_a);
  q.wallet.reset();
  q.since = ago(250);
  CHECK(f.repo.history(q).size() == 2);
  q.status = db::TradeStatus::completed;
  CHECK(f.repo.history(q).empty());
  q.limit = 0;
  CHECK_THROWS_AS(f.repo.history(q), Error);
  q.limit = 1001;
  CHECK_THROWS_AS(f.repo.history(q), Error);
}

TEST_CASE_TEMPLATE("store: 24 h stats follow the manual's formulas", B, bscbot::test::OnSqlite, bscbot::test::OnPg) {
  Fixture<B> f;
  f.finish(f.add(k_wallet_a, "10", ago(60)), true, "1000");
  f.finish(f.add(k_wallet_a, "20", ago(120)), true, "3000");
  f.finish(f.add(k_wallet_b, "30", ago(180)), false, "2000");
  f.add(k_wallet_b, "40", ago(240));                                // pending
  f.finish(f.add(k_wallet_b, "50", ago(2 * 86400)), false, "9");   // outside the window
  const auto s = f.repo.stats(ago(86400));
  CHECK(s.total == 4);
  CHECK(s.completed == 2);
  CHECK(s.failed == 1);
  CHECK(s.pending == 1);
  REQUIRE(s.success_rate);
  CHECK(*s.success_rate == doctest::Approx(50.0));
  REQUIRE(s.avg_gas_fee_wei);
  CHECK(*s.avg_gas_fee_wei == doctest::Approx(2000.0));
  CHECK(s.distinct_wallets == 2);
  CHECK(f.repo.volume_in(ago(86400)).decimal() == "100");
  CHECK_FALSE(f.repo.stats(ago(1)).success_rate);
  const auto span = f.repo.span();
  REQUIRE(span);
  CHECK(span->newest == ago(60));
}

TEST_CASE_TEMPLATE("store: trades per UTC day, a midnight trade counted in its own day", B, bscbot::test::OnSqlite, bscbot::test::OnPg) {
  Fixture<B> f;
  f.finish(f.add(k_wallet_a, "1", parse_sql_datetime("2026-11-30 23:59:59")), true, "1");
  f.add(k_wallet_a, "1", parse_sql_datetime("2026-12-01 00:00:00"));
  f.finish(f.add(k_wallet_b, "1", parse_sql_datetime("2026-12-01 12:00:00")), false, "1");
  f.add(k_wallet_b, "1", parse_sql_datetime("2026-12-02 00:00:01"));  // after `until`
  const auto days = f.repo.daily(parse_sql_datetime("2026-11-30 00:00:00"), parse_sql_datetime("2026-12-02 00:00:00"));
  REQUIRE(days.size() == 2);
  CHECK(days[0].day == "2026-11-30");
  CHECK(days[0].stats.total == 1);
  CHECK(days[0].stats.completed == 1);
  CHECK(days[1].day == "2026-12-01");
  CHECK(days[1].stats.total == 2);
  CHECK(days[1].stats.failed == 1);
  CHECK(days[1].stats.pending == 1);
  CHECK(days[1].stats.distinct_wallets == 2);
}

TEST_CASE_TEMPLATE("store: suspicious trades compare wei exactly and catch edits after finalisation", B, bscbot::test::OnSqlite,
                   bscbot::test::OnPg) {
  Fixture<B> f;
  const Wei limit = Wei::require("1000000000000000000000", "limit");  // 1000 BNB
  f.add(k_wallet_a, "1000000000000000000000", ago(50));                 // equal: fine
  const auto over = f.add(k_wallet_a, "1000000000000000000001", ago(40));
  f.add(k_wallet_a, "999999999999999999999999", ago(30));  // a million BNB, longer text
  f.add(k_wallet_a, "9", ago(20));                          // '9' > '1000...' as text, but not as a number
  const auto edited = f.add(k_wallet_b, "5", ago(10));
  f.finish(edited, true, "1");
  CHECK(f.repo.suspicious(limit, 100).size() == 2);  // completing is not an edit
  // An edit after completion moves updated_at past finalized_at, whoever makes it.
  const std::string earlier = to_sql_datetime(ago(5));
  f.store->query_rows("UPDATE trades SET finalized_at = '" + earlier + "', updated_at = '" + earlier + "' WHERE id = " + std::to_string(edited));
  f.store->query_rows("UPDATE trades SET amount_out = '999' WHERE id = " + std::to_string(edited));
  const auto hits = f.repo.suspicious(limit, 100);
  std::vector<std::int64_t> ids;
  for (const auto& t : hits) ids.push_back(t.id);
  CHECK(ids.size() == 3);
  CHECK(std::find(ids.begin(), ids.end(), over) != ids.end());
  CHECK(std::find(ids.begin(), ids.end(), edited) != ids.end());
}

TEST_CASE_TEMPLATE("store: cleanup deletes old finalised trades in batches and keeps pending ones", B, bscbot::test::OnSqlite,
                   bscbot::test::OnPg) {
  Fixture<B> f;
  const int old = 6000;  // more than one batch of 5000
  for (int i = 0; i < old; ++i) f.finish(f.add(k_wallet_a, "1", ago(100 * 86400 + i)), true, "1");
  f.add(k_wallet_a, "1", ago(100 * 86400));  // pending and old
  f.add(k_wallet_a, "1", ago(86400));        // recent
  const auto cutoff = ago(90 * 86400);
  const auto dry = f.repo.delete_older_than(cutoff, db::DryRun::yes);
  CHECK(dry.deleted == old);
  CHECK(dry.kept_pending == 1);
  CHECK(dry.cutoff == cutoff);
  CHECK(f.count() == old + 2);
  const auto done = f.repo.delete_older_than(cutoff, db::DryRun::no);
  CHECK(done.deleted == old);
  CHECK(f.count() == 2);
}

TEST_CASE_TEMPLATE("store: a signed trade completes once, with the receipt's numbers", B, bscbot::test::OnSqlite, bscbot::test::OnPg) {
  Fixture<B> f;
  const auto id = f.add("0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "1000000000000000000", ago(1));
  CHECK(f.repo.pending().size() == 1);
  REQUIRE(f.repo.mark_signed(id, signed_trade(k_hash)));
  CHECK_FALSE(f.repo.mark_signed(id, signed_trade("0x" + std::string(64, '1'))));  // never signed twice
  auto t = *f.repo.find_by_tx_hash(k_hash);
  CHECK(t.tx_hash == "0x3a4eca6ac17ec211e2b149a5f42972587300cdc06be166caf6ab49afd1f8157f");
  CHECK(t.wallet_address == "0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
  CHECK(t.nonce == 7);
  CHECK(t.gas_price->decimal() == "1183065756");
  CHECK(t.path == "0x5fbdb2315678afecb367f032d93f642f64180aa3,0xcf7ed3acca5a467e9e704c703e8d87f634fb0fc9");
  CHECK(t.status == db::TradeStatus::pending);
  REQUIRE(f.repo.complete(id, Wei::require("987158034397061298850", "o"), db::TradeReceipt{135072, Wei::require("159799057794432", "f"), 15}));
  CHECK_FALSE(f.repo.complete(id, Wei::require("1", "o"), db::TradeReceipt{1, Wei::require("1", "f"), 1}));
  CHECK_FALSE(f.repo.fail(id, "late", std::nullopt, db::KeepTxHash::yes));
  t = *f.repo.find(id);
  CHECK(t.status == db::TradeStatus::completed);
  CHECK(t.amount_out->decimal() == "987158034397061298850");
  CHECK(t.gas_used == 135072);
  CHECK(t.gas_fee->decimal() == "159799057794432");
  CHECK(t.block_number == 15);
  REQUIRE(t.finalized_at.has_value());
  CHECK(t.updated_at == *t.finalized_at);
  CHECK(f.repo.pending().empty());
}

TEST_CASE_TEMPLATE("store: a refused transaction's hash is cleared, a reverted one's kept with its gas", B, bscbot::test::OnSqlite,
                   bscbot::test::OnPg) {
  Fixture<B> f;
  const auto refused = f.add(k_wallet_a, "1", ago(2));
  f.repo.mark_signed(refused, signed_trade(k_hash));
  REQUIRE(f.repo.fail(refused, "not sent: the node refused the transaction (nonce too low)", std::nullopt, db::KeepTxHash::no));
  auto t = *f.repo.find(refused);
  CHECK(t.status == db::TradeStatus::failed);
  CHECK_FALSE(t.tx_hash.has_value());
  CHECK_FALSE(t.gas_fee.has_value());
  const auto reverted = f.add(k_wallet_a, "1", ago(1));  // the hash is free again: it never existed on chain
  f.repo.mark_signed(reverted, signed_trade(k_hash));
  REQUIRE(f.repo.fail(reverted, "slippage: output below amountOutMin", db::TradeReceipt{114792, Wei::require("135000000000000", "f"), 16},
                      db::KeepTxHash::yes));
  t = *f.repo.find(reverted);
  CHECK(t.tx_hash.has_value());
  CHECK(t.gas_fee->decimal() == "135000000000000");
  CHECK(t.error == std::optional<std::string>("slippage: output below amountOutMin"));
  CHECK(t.updated_at == t.finalized_at);
}

TEST_CASE_TEMPLATE("store: daemon_state keeps one value per key", B, bscbot::test::OnSqlite, bscbot::test::OnPg) {
  Fixture<B> f;
  db::StateStore& state = f.store->state();
  CHECK_FALSE(state.get("next_nonce:0xabc").has_value());
  state.set("next_nonce:0xabc", "4");
  state.set("next_nonce:0xabc", "5");
  state.set("next_nonce:0xdef", "1");
  CHECK(state.get("next_nonce:0xabc") == std::optional<std::string>("5"));
  CHECK(state.get("next_nonce:0xdef") == std::optional<std::string>("1"));
}

TEST_CASE_TEMPLATE("store: metric samples are recorded, summed per day, found by time and pruned", B, bscbot::test::OnSqlite,
                   bscbot::test::OnPg) {
  Fixture<B> f;
  db::MetricStore& repo = f.store->samples();
  REQUIRE(repo.available());
  auto at = [](const char* t) { return parse_sql_datetime(t); };
  repo.record(at("2026-11-24 23:55:00"), {{"requests", 10}, {"db_file_bytes", 1000}});
  repo.record(at("2026-11-25 00:00:00"), {{"requests", 5}, {"db_file_bytes", 1500}});
  repo.record(at("2026-11-25 00:05:00"), {{"requests", 7}, {"db_file_bytes", 1400}});
  const auto days = repo.daily(at("2026-11-24 00:00:00"), at("2026-11-26 00:00:00"));
  REQUIRE(days.size() == 4);
  CHECK(days[0].day == "2026-11-24");
  CHECK(days[0].name == "db_file_bytes");
  CHECK(days[2].name == "db_file_bytes");
  CHECK(days[2].max == 1500);
  CHECK(days[3].sum == 12);
  CHECK(days[3].samples == 2);
  CHECK(repo.first_since("db_file_bytes", at("2026-11-24 23:59:00"))->value == 1500);
  CHECK(repo.latest("db_file_bytes")->sampled_at == at("2026-11-25 00:05:00"));
  CHECK_FALSE(repo.latest("nothing"));
  CHECK(repo.series("db_file_bytes", at("2026-11-24 00:00:00"), 10).size() == 3);
  CHECK(repo.prune_older_than(at("2026-11-25 00:00:00")) == 2);
  CHECK(repo.daily(at("2026-11-24 00:00:00"), at("2026-11-26 00:00:00")).size() == 2);
}

TEST_CASE_TEMPLATE("store: migrations are recorded in knex_migrations and a newer schema is refused", B, bscbot::test::OnSqlite,
                   bscbot::test::OnPg) {
  Fixture<B> f;
  auto status = f.store->schema_status();
  CHECK(status.current == db::latest_schema_version());
  CHECK(status.pending.empty());
  CHECK(f.store->migrate().empty());  // nothing left to do
  CHECK_FALSE(f.store->empty());
  CHECK(f.store->check_integrity(db::CheckDepth::full) == "ok");
  CHECK(f.store->probe_writable().state == db::DbState::ok);
  const auto stats = f.store->stats();
  CHECK(stats.schema_version == db::latest_schema_version());
  CHECK(stats.size_bytes > 0);
  f.store->query_rows("INSERT INTO knex_migrations (name, batch, migration_time) VALUES ('0099_from_the_future', 9, '2026-01-01 00:00:00')");
  CHECK_THROWS_WITH_AS(f.store->migrate(), doctest::Contains("schema version 99"), Error);
}

TEST_CASE_TEMPLATE("store: server facts come from a PostgreSQL server and not from a file", B, bscbot::test::OnSqlite, bscbot::test::OnPg) {
  Fixture<B> f;
  const std::optional<db::ServerFacts> facts = f.store->server_facts();
  if constexpr (B::backend == db::Backend::sqlite) {
    CHECK_FALSE(facts);
  } else {
    REQUIRE(facts);
    CHECK(facts->user == "bscbot");
    CHECK_FALSE(facts->superuser);
    CHECK_FALSE(facts->standby);
    CHECK_FALSE(facts->ssl);  // the test server listens on loopback without TLS
    CHECK(facts->standbys.empty());
  }
}
