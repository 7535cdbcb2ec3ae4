// The lane store's contract (leases, the queue, transactions, settlement, operator requests),
// on SQLite and on PostgreSQL with the same assertions, and the PostgreSQL lease between two
// daemons sharing one database.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <thread>

#include "core/db/retry.hpp"
#include "core/error.hpp"
#include "tests/support/stores.hpp"

using namespace bscbot::core;
using bscbot::test::Scratch;

namespace {

const std::string k_wallet_a = "0x1111111111111111111111111111111111111111";
const std::string k_wallet_b = "0x2222222222222222222222222222222222222222";

std::string hash(int n) { return fmt::format("0x{:064x}", n); }

db::SignedTrade signed_at(std::int64_t nonce, const std::string& tx_hash) {
  db::SignedTrade s;
  s.quoted_amount_out = Wei::require("1000", "q");
  s.amount_out_min = Wei::require("990", "m");
  s.slippage_bps = 100;
  s.deadline = 1'800'000'000;
  s.gas_limit = 200000;
  s.gas_price = Wei::require("1000000000", "g");
  s.nonce = nonce;
  s.chain_id = 56;
  s.tx_hash = tx_hash;
  s.path = "0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c,0x0e09fabb73bd3ade0a17ecc321fd13a19e81ce82";
  return s;
}

db::TxRecord tx_record(std::optional<std::int64_t> trade, db::TxKind kind, std::int64_t nonce, const std::string& tx_hash,
                       const char* gas_price = "1000000000") {
  return db::TxRecord{trade, kind, nonce, tx_hash, Wei::require(gas_price, "g"), "0xf86c" + tx_hash.substr(2, 8)};
}

template <typename B>
struct Fixture {
  Scratch scratch{"lane-store"};
  std::unique_ptr<db::Store> store = bscbot::test::make_store(B::backend, scratch);
  db::LaneStore& lanes = store->lanes();
  db::TradeStore& trades = store->trades();

  std::int64_t queue(const std::string& wallet, const char* amount = "1000") {
    auto t = bscbot::test::sample_trade(wallet, amount);
    t.deadline_seconds = 120;
    return trades.insert(t);
  }
  db::Fence fence(const std::string& wallet, const std::string& owner = "daemon-1") {
    auto f = lanes.acquire(wallet, owner, std::chrono::seconds(30));
    REQUIRE(f.has_value());
    return *f;
  }
  // Claims one queued trade and records its first transaction at `nonce`.
  std::int64_t sent(const db::Fence& f, std::int64_t nonce, const std::string& tx_hash) {
    const std::int64_t id = queue(f.wallet);
    const auto claimed = lanes.claim(f, 1);
    REQUIRE(claimed.size() == 1);
    REQUIRE(claimed[0].id == id);
    REQUIRE(lanes.record_first_send(f, id, signed_at(nonce, tx_hash), tx_record(id, db::TxKind::swap, nonce, tx_hash)));
    return id;
  }
};

}  // namespace

TEST_CASE_TEMPLATE("lanes: a lease's epoch rises with each grant and fences out the earlier holder", B, bscbot::test::OnSqlite,
                   bscbot::test::OnPg) {
  Fixture<B> f;
  const db::Fence first = f.fence(k_wallet_a);
  CHECK(first.epoch == 1);
  CHECK(first.wallet == k_wallet_a);
  CHECK(f.lanes.renew(first));
  const std::int64_t id = f.queue(k_wallet_a);
  // Granted again (a restart): the old fence can neither claim nor write.
  const db::Fence second = f.fence(k_wallet_a);
  CHECK(second.epoch == 2);
  CHECK_FALSE(f.lanes.renew(first));
  CHECK(f.lanes.claim(first, 10).empty());
  CHECK_FALSE(f.lanes.record_tx(first, tx_record(std::nullopt, db::TxKind::filler, 0, hash(1))));
  CHECK_FALSE(f.lanes.settle(first, db::NonceOutcome{0, hash(1), 5, std::nullopt}));
  CHECK_FALSE(f.lanes.fail_unsent(first, id, "not sent: x"));
  const auto claimed = f.lanes.claim(second, 10);
  REQUIRE(claimed.size() == 1);
  CHECK(claimed[0].id == id);
  CHECK(claimed[0].deadline_seconds == 120);
  const auto leases = f.lanes.leases();
  REQUIRE(leases.size() == 1);
  CHECK(leases[0].owner == std::optional<std::string>("daemon-1"));
  CHECK(leases[0].epoch == 2);
  f.lanes.release(second);
  CHECK_FALSE(f.lanes.leases()[0].owner.has_value());
  CHECK_FALSE(f.lanes.renew(second));
}

TEST_CASE_TEMPLATE("lanes: the queue hands out a wallet's swaps oldest first, once, and a new holder gets back the unsigned ones", B,
                   bscbot::test::OnSqlite, bscbot::test::OnPg) {
  Fixture<B> f;
  const std::int64_t a1 = f.queue(k_wallet_a), b1 = f.queue(k_wallet_b), a2 = f.queue(k_wallet_a), a3 = f.queue(k_wallet_a);
  const db::Fence fa = f.fence(k_wallet_a);
  auto claimed = f.lanes.claim(fa, 2);
  REQUIRE(claimed.size() == 2);
  CHECK(claimed[0].id == a1);
  CHECK(claimed[1].id == a2);
  claimed = f.lanes.claim(fa, 10);
  REQUIRE(claimed.size() == 1);
  CHECK(claimed[0].id == a3);
  CHECK(f.lanes.claim(fa, 10).empty());
  // a1 gets signed; a2 and a3 were claimed but not: a new holder finds those two again.
  REQUIRE(f.lanes.record_first_send(fa, a1, signed_at(0, hash(1)), tx_record(a1, db::TxKind::swap, 0, hash(1))));
  const db::Fence again = f.fence(k_wallet_a);
  claimed = f.lanes.claim(again, 10);
  REQUIRE(claimed.size() == 2);
  CHECK(claimed[0].id == a2);
  // A trade claimed by an older epoch cannot be signed by it.
  CHECK_FALSE(f.lanes.record_first_send(again, b1, signed_at(0, hash(2)), tx_record(b1, db::TxKind::swap, 0, hash(2))));
  const auto busy = f.lanes.pending_by_wallet();
  CHECK(busy.at(k_wallet_a) == 3);
  CHECK(busy.at(k_wallet_b) == 1);
}

TEST_CASE_TEMPLATE("lanes: every hash of a swap is kept and the mined one settles it", B, bscbot::test::OnSqlite, bscbot::test::OnPg) {
  Fixture<B> f;
  const db::Fence fa = f.fence(k_wallet_a);
  const std::int64_t id = f.sent(fa, 7, hash(10));
  CHECK(f.trades.find(id)->tx_hash == hash(10));
  // Stuck: replaced at the same nonce with a higher price; the trade is known by the new hash.
  REQUIRE(f.lanes.record_tx(fa, tx_record(id, db::TxKind::swap, 7, hash(11), "1100000000")));
  CHECK(f.trades.find(id)->tx_hash == hash(11));
  CHECK(f.trades.find(id)->gas_price->decimal() == "1100000000");
  auto unsettled = f.lanes.unsettled(k_wallet_a);
  REQUIRE(unsettled.size() == 2);
  CHECK(unsettled[0].tx_hash == hash(10));
  CHECK(unsettled[0].raw_tx.has_value());
  CHECK(unsettled[0].epoch == fa.epoch);
  CHECK(unsettled[1].nonce == 7);
  CHECK(f.lanes.max_nonce(k_wallet_a) == 7);
  // The first one was mined after all: the trade ends with that hash and price.
  db::TradeOutcome done;
  done.id = id;
  done.status = db::TradeStatus::completed;
  done.amount_out = Wei::require("995", "out");
  done.receipt = db::TradeReceipt{120000, Wei::require("120000000000000", "fee"), 42};
  done.mined_hash = hash(10);
  done.gas_price = Wei::require("1000000000", "g");
  REQUIRE(f.lanes.settle(fa, db::NonceOutcome{7, hash(10), 42, done}));
  const auto t = *f.trades.find(id);
  CHECK(t.status == db::TradeStatus::completed);
  CHECK(t.tx_hash == hash(10));
  CHECK(t.gas_price->decimal() == "1000000000");
  CHECK(t.block_number == 42);
  CHECK(t.amount_out->decimal() == "995");
  CHECK(t.finalized_at.has_value());
  CHECK(f.lanes.unsettled(k_wallet_a).empty());
  const auto txs = f.lanes.transactions(id);
  REQUIRE(txs.size() == 2);
  CHECK(txs[0].state == db::TxState::mined);
  CHECK(txs[0].block_number == 42);
  CHECK(txs[1].state == db::TxState::replaced);
  // Settling again (a repeated write) changes nothing.
  CHECK(f.lanes.settle(fa, db::NonceOutcome{7, hash(10), 42, done}));
  CHECK(f.trades.find(id)->updated_at == t.updated_at);
  // A later transaction for a final trade is refused.
  CHECK_FALSE(f.lanes.record_tx(fa, tx_record(id, db::TxKind::cancel, 7, hash(12))));
}

TEST_CASE_TEMPLATE("lanes: fillers, drops and refusals", B, bscbot::test::OnSqlite, bscbot::test::OnPg) {
  Fixture<B> f;
  const db::Fence fa = f.fence(k_wallet_a);
  const std::int64_t refused = f.sent(fa, 3, hash(20));
  // The node refused it: the trade fails, its hash is cleared, its nonce is not counted.
  CHECK(f.lanes.fail_unsent(fa, refused, "not sent: the node refused the transaction (insufficient funds)"));
  auto t = *f.trades.find(refused);
  CHECK(t.status == db::TradeStatus::failed);
  CHECK_FALSE(t.tx_hash.has_value());
  CHECK(f.lanes.transactions(refused)[0].state == db::TxState::refused);
  CHECK_FALSE(f.lanes.max_nonce(k_wallet_a).has_value());
  // A drop: the swap's only transaction vanished; its nonce is filled with a self-transfer.
  const std::int64_t dropped = f.sent(fa, 3, hash(21));
  db::TradeOutcome gone;
  gone.id = dropped;
  gone.status = db::TradeStatus::failed;
  gone.error = "dropped: not mined and unknown to the node";
  REQUIRE(f.lanes.settle(fa, db::NonceOutcome{3, std::nullopt, std::nullopt, gone}));
  CHECK(f.lanes.transactions(dropped)[0].state == db::TxState::dropped);
  CHECK(f.trades.find(dropped)->tx_hash == hash(21));  // kept: it was broadcast
  REQUIRE(f.lanes.record_tx(fa, tx_record(std::nullopt, db::TxKind::filler, 3, hash(22))));
  CHECK(f.lanes.mark_tx(fa, hash(22), db::TxState::dropped));
  CHECK(f.lanes.unsettled(k_wallet_a).empty());
  CHECK(f.lanes.max_nonce(k_wallet_a) == 3);
}

TEST_CASE_TEMPLATE("lanes: cancel and speed-up requests reach the sender; a queued swap is cancelled at once", B, bscbot::test::OnSqlite,
                   bscbot::test::OnPg) {
  Fixture<B> f;
  const std::int64_t queued = f.queue(k_wallet_a);
  CHECK(f.lanes.cancel_queued(queued, "cancelled: by operator before it was sent"));
  CHECK(f.trades.find(queued)->error == std::optional<std::string>("cancelled: by operator before it was sent"));
  CHECK_FALSE(f.lanes.cancel_queued(queued, "again"));
  // Claimed: no longer cancellable in the queue; a request stops its first send instead.
  const std::int64_t claimed = f.queue(k_wallet_a);
  const db::Fence fa = f.fence(k_wallet_a);
  REQUIRE(f.lanes.claim(fa, 5).size() == 1);
  CHECK_FALSE(f.lanes.cancel_queued(claimed, "x"));
  CHECK(f.lanes.request(claimed, db::OperatorRequest::cancel));
  CHECK(f.trades.find(claimed)->operator_request == std::optional<std::string>("cancel"));
  CHECK_FALSE(f.lanes.record_first_send(fa, claimed, signed_at(0, hash(30)), tx_record(claimed, db::TxKind::swap, 0, hash(30))));
  const auto requests = f.lanes.requests(k_wallet_a);
  REQUIRE(requests.size() == 1);
  CHECK(requests[0] == std::make_pair(claimed, db::OperatorRequest::cancel));
  CHECK(f.lanes.requests(k_wallet_b).empty());
  CHECK(f.lanes.clear_request(fa, claimed));
  CHECK_FALSE(f.trades.find(claimed)->operator_request.has_value());
  CHECK(f.lanes.fail_unsent(fa, claimed, "cancelled: by operator before it was sent"));
  // Nothing to ask of a final trade.
  CHECK_FALSE(f.lanes.request(claimed, db::OperatorRequest::speed_up));
}

TEST_CASE_TEMPLATE("lanes: the manual's metrics per wallet", B, bscbot::test::OnSqlite, bscbot::test::OnPg) {
  Fixture<B> f;
  const std::int64_t a1 = f.queue(k_wallet_a);
  f.queue(k_wallet_a);
  const std::int64_t b1 = f.queue(k_wallet_b);
  CHECK(f.trades.complete(a1, Wei::require("1", "o"), db::TradeReceipt{21000, Wei::require("300", "fee"), 1}));
  CHECK(f.trades.fail(b1, "reverted: x", db::TradeReceipt{21000, Wei::require("100", "fee"), 1}, db::KeepTxHash::yes));
  const auto stats = f.lanes.stats_by_wallet(system_clock().now() - std::chrono::hours(1));
  REQUIRE(stats.size() == 2);
  CHECK(stats[0].wallet == k_wallet_a);
  CHECK(stats[0].stats.total == 2);
  CHECK(stats[0].stats.completed == 1);
  CHECK(stats[0].stats.pending == 1);
  CHECK(*stats[0].stats.success_rate == doctest::Approx(50.0));
  CHECK(*stats[0].stats.avg_gas_fee_wei == doctest::Approx(300.0));
  CHECK(stats[1].wallet == k_wallet_b);
  CHECK(stats[1].stats.failed == 1);
}

TEST_CASE("lanes: on PostgreSQL one daemon at a time holds a wallet, and a dead or silent holder is taken over") {
  Scratch scratch("lane-lease-pg");
  auto [one, two] = bscbot::test::make_store_pair(db::Backend::pg, scratch);
  const auto first = one->lanes().acquire(k_wallet_a, "daemon-1", std::chrono::seconds(30));
  REQUIRE(first.has_value());
  // The second daemon is refused while the first holds the lock, for this wallet only.
  CHECK_FALSE(two->lanes().acquire(k_wallet_a, "daemon-2", std::chrono::seconds(30)).has_value());
  CHECK(two->lanes().acquire(k_wallet_b, "daemon-2", std::chrono::seconds(30)).has_value());
  CHECK(one->lanes().renew(*first));

  // The holder dies (its store goes away: the server drops its session and the lock).
  const std::int64_t id = one->trades().insert(bscbot::test::sample_trade(k_wallet_a, "5"));
  REQUIRE(one->lanes().claim(*first, 5).size() == 1);
  one.reset();
  std::optional<db::Fence> taken;
  for (int i = 0; i < 50 && !taken; ++i) {
    taken = two->lanes().acquire(k_wallet_a, "daemon-2", std::chrono::seconds(30));
    if (!taken) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(taken.has_value());
  CHECK(taken->epoch == first->epoch + 1);
  // The swap the dead holder claimed but never signed is the new holder's to send.
  const auto claimed = two->lanes().claim(*taken, 5);
  REQUIRE(claimed.size() == 1);
  CHECK(claimed[0].id == id);

  // A silent holder (alive, connected, not renewing) is evicted after the TTL.
  auto three = bscbot::test::make_store_pair(db::Backend::pg, scratch);
  auto& [x, y] = three;
  const auto silent = x->lanes().acquire(k_wallet_a, "daemon-x", std::chrono::seconds(1));
  REQUIRE(silent.has_value());
  CHECK_FALSE(y->lanes().acquire(k_wallet_a, "daemon-y", std::chrono::seconds(1)).has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  std::optional<db::Fence> evicted;
  for (int i = 0; i < 50 && !evicted; ++i) {
    evicted = y->lanes().acquire(k_wallet_a, "daemon-y", std::chrono::seconds(1));
    if (!evicted) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(evicted.has_value());
  // The evicted holder learns it on its next renewal, and its writes are refused.
  CHECK_FALSE(x->lanes().renew(*silent));
  CHECK_FALSE(x->lanes().record_tx(*silent, tx_record(std::nullopt, db::TxKind::filler, 0, hash(40))));
}

TEST_CASE("db: retry_write repeats a write through transient failures and lost connections only when safe") {
  int calls = 0;
  std::vector<std::chrono::milliseconds> waits;
  db::RetryPolicy policy;
  policy.sleep = [&](std::chrono::milliseconds d) { waits.push_back(d); };
  policy.max_wait = std::chrono::milliseconds(300);
  const int result = db::retry_write(policy, [&] {
    if (++calls < 5) throw db::DbError(ErrorKind::database, "query trades.complete failed: database is locked", db::DbFailure::transient);
    return 7;
  });
  CHECK(result == 7);
  CHECK(calls == 5);
  CHECK(waits == std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(100), std::chrono::milliseconds(200),
                                                        std::chrono::milliseconds(300), std::chrono::milliseconds(300)});
  // An insert is not repeated after a lost connection: it may have committed.
  policy.idempotent = db::Idempotent::no;
  calls = 0;
  CHECK_THROWS_AS(db::retry_write(policy,
                                  [&]() -> int {
                                    ++calls;
                                    throw db::DbError(ErrorKind::unavailable, "lost", db::DbFailure::connection_lost);
                                  }),
                  db::DbError);
  CHECK(calls == 1);
  // A constraint violation is never repeated.
  policy.idempotent = db::Idempotent::yes;
  calls = 0;
  CHECK_THROWS_AS(db::retry_write(policy,
                                  [&]() -> int {
                                    ++calls;
                                    throw db::DbError(ErrorKind::data, "duplicate", db::DbFailure::permanent);
                                  }),
                  db::DbError);
  CHECK(calls == 1);
  // Stopping ends the repetition with the last error.
  policy.stopping = [] { return true; };
  CHECK_THROWS_AS(db::retry_write(policy, []() -> int { throw Error(ErrorKind::unavailable, "no connection"); }), Error);
}
