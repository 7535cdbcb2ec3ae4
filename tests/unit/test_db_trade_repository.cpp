#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include "core/db/database.hpp"
#include "core/db/migrations.hpp"
#include "core/db/trade_repository.hpp"
#include "core/error.hpp"
#include "core/util/wei.hpp"
#include "tests/support/scratch.hpp"

using namespace bscbot::core;
using bscbot::test::Scratch;

namespace {

const std::string k_wallet_a = "0x1111111111111111111111111111111111111111";
const std::string k_wallet_b = "0x2222222222222222222222222222222222222222";
const std::string k_wbnb = "0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c";
const std::string k_cake = "0x0e09fabb73bd3ade0a17ecc321fd13a19e81ce82";

struct Fixture {
  Scratch scratch{"repo"};
  std::unique_ptr<SQLite::Database> db = [&] {
    auto d = db::open_database(scratch / "t.sqlite", db::Access::create);
    db::migrate(*d, "t.sqlite");
    return d;
  }();
  db::TradeRepository repo{*db};

  std::int64_t add(const std::string& wallet, const std::string& amount, const std::string& created_at) {
    db::NewTrade t;
    t.wallet_address = wallet;
    t.token_in = k_wbnb;
    t.token_out = k_cake;
    t.amount_in = amount;
    t.path = k_wbnb + "," + k_cake;
    t.created_at = created_at;
    return repo.insert(t);
  }
  void set_status(std::int64_t id, const char* status, const char* gas_fee) {
    SQLite::Statement q(*db,
                        "UPDATE trades SET status = ?, gas_fee = ?, updated_at = datetime('now'), finalized_at = datetime('now') "
                        "WHERE id = ?");
    q.bind(1, status);
    q.bind(2, gas_fee);
    q.bind(3, id);
    q.exec();
  }
};

std::string ago(int seconds) { return to_sql_datetime(system_clock().now() - std::chrono::seconds(seconds)); }

}  // namespace

TEST_CASE("repo: uint256 amounts are stored and read back without loss") {
  Fixture f;
  const std::string max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
  const auto id = f.add(k_wallet_a, max, ago(10));
  const auto t = f.repo.find(id);
  REQUIRE(t);
  CHECK(t->amount_in == max);
  CHECK(t->status == db::TradeStatus::pending);
  CHECK(t->created_at.size() == 19);
  // Leading zeros are canonicalised; anything not a uint256 is refused.
  CHECK(f.repo.find(f.add(k_wallet_a, "000123", ago(5)))->amount_in == "123");
  CHECK_THROWS_AS(f.add(k_wallet_a, "-1", ago(1)), Error);
  CHECK_THROWS_AS(f.add(k_wallet_a, "1.5", ago(1)), Error);
  CHECK_THROWS_AS(f.add(k_wallet_a, max + "0", ago(1)), Error);
}

TEST_CASE("repo: history is newest first, filtered and bounded") {
  Fixture f;
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
  q.limit = 0;
  CHECK_THROWS_AS(f.repo.history(q), Error);
  q.limit = 1001;
  CHECK_THROWS_AS(f.repo.history(q), Error);
}

TEST_CASE("repo: 24 h stats follow the manual's formulas") {
  Fixture f;
  f.set_status(f.add(k_wallet_a, "10", ago(60)), "completed", "1000");
  f.set_status(f.add(k_wallet_a, "20", ago(120)), "completed", "3000");
  f.set_status(f.add(k_wallet_b, "30", ago(180)), "failed", "2000");
  f.add(k_wallet_b, "40", ago(240));                                    // pending
  f.set_status(f.add(k_wallet_b, "50", ago(2 * 86400)), "failed", "9");  // outside the window
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
  CHECK(f.repo.volume_in(ago(86400)) == "100");
  CHECK_FALSE(f.repo.stats(ago(1)).success_rate);
}

TEST_CASE("repo: suspicious trades compare wei exactly and catch edits after finalisation") {
  Fixture f;
  const std::string limit = "1000000000000000000000";  // 1000 BNB
  f.add(k_wallet_a, "1000000000000000000000", ago(50));  // equal: fine
  const auto over = f.add(k_wallet_a, "1000000000000000000001", ago(40));
  f.add(k_wallet_a, "999999999999999999999999", ago(30) );  // a million BNB, longer text
  f.add(k_wallet_a, "9", ago(20));  // '9' > '1000...' as text, but not as a number
  const auto edited = f.add(k_wallet_b, "5", ago(10));
  f.set_status(edited, "completed", "1");
  // Tampering a second later moves updated_at past finalized_at through the trigger.
  f.db->exec("UPDATE trades SET finalized_at = datetime('now', '-5 seconds'), updated_at = datetime('now', '-5 seconds') WHERE id = " + std::to_string(edited));
  f.db->exec("UPDATE trades SET amount_out = '999' WHERE id = " + std::to_string(edited));
  const auto hits = f.repo.suspicious(limit, 100);
  std::vector<std::int64_t> ids;
  for (const auto& t : hits) ids.push_back(t.id);
  CHECK(ids.size() == 3);
  CHECK(std::find(ids.begin(), ids.end(), over) != ids.end());
  CHECK(std::find(ids.begin(), ids.end(), edited) != ids.end());
}

TEST_CASE("repo: cleanup deletes old finalised trades in batches and keeps pending ones") {
  Fixture f;
  for (int i = 0; i < 12000; ++i) f.set_status(f.add(k_wallet_a, "1", ago(100 * 86400 + i)), "completed", "1");
  f.add(k_wallet_a, "1", ago(100 * 86400));  // pending and old
  f.add(k_wallet_a, "1", ago(86400));        // recent
  const std::string cutoff = ago(90 * 86400);
  const auto dry = f.repo.delete_older_than(cutoff, db::DryRun::yes);
  CHECK(dry.deleted == 12000);
  CHECK(dry.kept_pending == 1);
  CHECK(f.db->execAndGet("SELECT COUNT(*) FROM trades").getInt() == 12002);
  const auto done = f.repo.delete_older_than(cutoff, db::DryRun::no);
  CHECK(done.deleted == 12000);
  CHECK(f.db->execAndGet("SELECT COUNT(*) FROM trades").getInt() == 2);
}

TEST_CASE("repo: timestamps match SQLite's datetime() so the manual's filters work") {
  Fixture f;
  f.add(k_wallet_a, "1", ago(3600));
  f.add(k_wallet_a, "1", ago(2 * 86400));
  CHECK(f.db->execAndGet("SELECT COUNT(*) FROM trades WHERE created_at > datetime('now', '-1 day')").getInt() == 1);
  db::NewTrade t;
  t.wallet_address = k_wallet_b;
  t.token_in = k_wbnb;
  t.token_out = k_cake;
  t.amount_in = "7";
  const auto id = f.repo.insert(t);  // created_at from the database's own clock
  CHECK(f.db->execAndGet("SELECT created_at = datetime(created_at) FROM trades WHERE id = " + std::to_string(id)).getInt() == 1);
}
