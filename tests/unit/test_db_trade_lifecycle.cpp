// A trade's life in the database: pending, signed (hash written before broadcast), then
// completed or failed exactly once, with finalized_at equal to updated_at so the audit sees no
// edit after completion.
#include <doctest/doctest.h>

#include "core/db/daemon_state_repository.hpp"
#include "core/db/database.hpp"
#include "core/db/migrations.hpp"
#include "core/db/trade_repository.hpp"
#include "tests/support/scratch.hpp"

using namespace bscbot::core;
using namespace bscbot::core::db;

namespace {

struct Db {
  bscbot::test::Scratch scratch{"trade-lifecycle"};
  std::unique_ptr<SQLite::Database> db;
  Db() {
    db = open_database(scratch / "t.sqlite", Access::create);
    migrate(*db, "t.sqlite");
  }
};

std::int64_t new_trade(TradeRepository& repo) {
  NewTrade t;
  t.wallet_address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  t.token_in = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
  t.token_out = "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9";
  t.amount_in = "1000000000000000000";
  t.slippage_bps = 50;
  t.chain_id = 56;
  return repo.insert(t);
}

SignedTrade signed_trade(const std::string& hash) {
  SignedTrade s;
  s.quoted_amount_out = "987158034397061298850";
  s.amount_out_min = "982222244225075992355";
  s.slippage_bps = 50;
  s.deadline = 1'800'000'000;
  s.gas_limit = 500000;
  s.gas_price = "1183065756";
  s.nonce = 7;
  s.chain_id = 56;
  s.tx_hash = hash;
  s.path = "0x5FbDB2315678afecb367f032d93F642f64180aa3,0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9";
  return s;
}

const std::string k_hash = "0x3A4ECA6AC17EC211E2B149A5F42972587300CDC06BE166CAF6AB49AFD1F8157F";

}  // namespace

TEST_CASE("db: a signed trade completes once, with the receipt's numbers") {
  Db d;
  TradeRepository repo(*d.db);
  const auto id = new_trade(repo);
  CHECK(repo.pending().size() == 1);
  REQUIRE(repo.mark_signed(id, signed_trade(k_hash)));
  CHECK_FALSE(repo.mark_signed(id, signed_trade("0x" + std::string(64, '1'))));  // never signed twice
  auto t = *repo.find_by_tx_hash(k_hash);
  CHECK(t.tx_hash == "0x3a4eca6ac17ec211e2b149a5f42972587300cdc06be166caf6ab49afd1f8157f");
  CHECK(t.nonce == 7);
  CHECK(t.path == "0x5fbdb2315678afecb367f032d93f642f64180aa3,0xcf7ed3acca5a467e9e704c703e8d87f634fb0fc9");
  CHECK(t.status == TradeStatus::pending);
  REQUIRE(repo.complete(id, "987158034397061298850", TradeReceipt{135072, "159799057794432", 15}));
  CHECK_FALSE(repo.complete(id, "1", TradeReceipt{1, "1", 1}));
  CHECK_FALSE(repo.fail(id, "late", std::nullopt, KeepTxHash::yes));
  t = *repo.find(id);
  CHECK(t.status == TradeStatus::completed);
  CHECK(t.amount_out == "987158034397061298850");
  CHECK(t.gas_used == 135072);
  CHECK(t.gas_fee == "159799057794432");
  CHECK(t.block_number == 15);
  REQUIRE(t.finalized_at.has_value());
  CHECK(t.updated_at == *t.finalized_at);
  CHECK(repo.suspicious("1000000000000000000000", 10).empty());  // not "edited after completion"
  CHECK(repo.pending().empty());
}

TEST_CASE("db: a refused transaction's hash is cleared, a reverted one's kept with its gas") {
  Db d;
  TradeRepository repo(*d.db);
  const auto refused = new_trade(repo);
  repo.mark_signed(refused, signed_trade(k_hash));
  REQUIRE(repo.fail(refused, "not sent: the node refused the transaction (nonce too low)", std::nullopt, KeepTxHash::no));
  auto t = *repo.find(refused);
  CHECK(t.status == TradeStatus::failed);
  CHECK_FALSE(t.tx_hash.has_value());
  CHECK_FALSE(t.gas_fee.has_value());
  const auto reverted = new_trade(repo);  // the hash is free again: it never existed on chain
  repo.mark_signed(reverted, signed_trade(k_hash));
  REQUIRE(repo.fail(reverted, "slippage: output below amountOutMin", TradeReceipt{114792, "135000000000000", 16}, KeepTxHash::yes));
  t = *repo.find(reverted);
  CHECK(t.tx_hash.has_value());
  CHECK(t.gas_fee == "135000000000000");
  CHECK(t.error == std::optional<std::string>("slippage: output below amountOutMin"));
  CHECK(t.updated_at == t.finalized_at);
}

TEST_CASE("db: daemon_state keeps one value per key") {
  Db d;
  DaemonStateRepository state(*d.db);
  CHECK_FALSE(state.get("next_nonce:0xabc").has_value());
  state.set("next_nonce:0xabc", "4");
  state.set("next_nonce:0xabc", "5");
  state.set("next_nonce:0xdef", "1");
  CHECK(state.get("next_nonce:0xabc") == std::optional<std::string>("5"));
  CHECK(state.get("next_nonce:0xdef") == std::optional<std::string>("1"));
}
