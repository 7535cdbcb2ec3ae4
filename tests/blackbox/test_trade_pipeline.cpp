// Trading at volume on a local chain (issue 14): many swaps in flight at consecutive nonces, a
// dropped transaction rebroadcast and then replaced with a bumped gas price (every hash kept),
// speed-up and cancel of a sent swap, and a dead private endpoint that is never bypassed.
// Automine is off where a test must see transactions wait in the pool; blocks are mined by the
// test, so nothing depends on the machine's speed.
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <future>
#include <set>

#include "tests/blackbox/trade_fixture.hpp"

using namespace bscbot;
using bscbot::test::TradeFixture;
using core::U256;
using core::auth::Role;
using nlohmann::json;

namespace {

std::string daemon_log(const TradeFixture& f) { return test::read_text(f.scratch / "logs" / "api-server.log"); }

std::uint64_t nonce_count(TradeFixture& f, core::chain::BlockTag tag) { return f.eth.get_transaction_count(f.info().trader, tag); }

// The trade's transactions as GET /api/v1/trading/trades/{id} lists them.
json transactions(TradeFixture& f, std::int64_t id) {
  const auto r = test::call(f.daemon, "GET", "/api/v1/trading/trades/" + std::to_string(id), test::token_for(Role::viewer));
  REQUIRE_MESSAGE(r.status == 200, r.body);
  return json::parse(r.body)["transactions"];
}

json wallet_health(TradeFixture& f) {
  const json h = json::parse(f.daemon.get("/api/health").body);
  REQUIRE(h["chain"]["wallets"].size() == 1);
  return h["chain"]["wallets"][0];
}

// Waits until the trade's recorded hash is no longer `old` (a replacement or a cancel was sent).
std::string hash_after(TradeFixture& f, std::int64_t id, const std::string& old) {
  std::string now;
  const bool moved = test::eventually([&] {
    const auto t = f.row(id);
    if (!t || !t->tx_hash || *t->tx_hash == old) return false;
    now = *t->tx_hash;
    return true;
  });
  REQUIRE_MESSAGE(moved, "trade " << id << " was not replaced; daemon log: " << daemon_log(f));
  return now;
}

bool in_pool(TradeFixture& f, const std::string& hash) {
  const json tx = f.rpc.call("eth_getTransactionByHash", json::array({hash}));
  return !tx.is_null() && tx["blockNumber"].is_null();
}

// With automine off: a swap sent, then cancelled through the API; waits until the cancel is in
// the pool. Returns the trade, the swap's hash and the cancel's.
struct SentCancel {
  std::int64_t id = 0;
  std::string swap_hash;
  std::string cancel_hash;
};
SentCancel send_and_cancel(TradeFixture& f) {
  SentCancel c;
  c.id = f.swap({{"from", "BNB"}, {"to", f.info().token_a.to_hex()}, {"amount", "0.1"}});
  c.swap_hash = f.sent_hash(c.id);
  const auto r = test::call(f.daemon, "POST", "/api/v1/trading/trades/" + std::to_string(c.id) + "/cancel", test::token_for(Role::trader));
  REQUIRE_MESSAGE(r.status == 202, r.body);
  CHECK(json::parse(r.body)["cancel_requested"] == true);
  // The cancel is a transaction of the trade's own; the swap's hash stays the trade's until one is mined.
  REQUIRE_MESSAGE(test::eventually([&] {
    for (const auto& tx : transactions(f, c.id)) {
      if (tx["kind"] == "cancel") c.cancel_hash = tx["tx_hash"];
    }
    return !c.cancel_hash.empty() && in_pool(f, c.cancel_hash);
  }), daemon_log(f));
  return c;
}

}  // namespace

TEST_SUITE("trade") {

TEST_CASE("trade: 50 swaps at once go out TRADE_MAX_IN_FLIGHT at a time, at consecutive nonces, all completed") {
  TradeFixture f("trade-pipeline", {{"TRADE_MAX_IN_FLIGHT", "16"}});
  const auto& info = f.info();
  f.daemon.start();
  f.automine(false);
  const std::uint64_t first = nonce_count(f, core::chain::BlockTag::latest);
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 50; ++i) ids.push_back(f.swap({{"from", "BNB"}, {"to", info.token_a.to_hex()}, {"amount", "0.01"}}));

  // Each block the test mines holds the whole window: 16, 16, 16, then the last 2.
  std::vector<std::size_t> per_block;
  for (std::size_t left = ids.size(); left > 0;) {
    const std::uint64_t window = std::min<std::size_t>(left, 16);
    const std::uint64_t mined = nonce_count(f, core::chain::BlockTag::latest);
    const bool full = test::eventually([&] { return nonce_count(f, core::chain::BlockTag::pending) == mined + window; });
    REQUIRE_MESSAGE(full, "expected " << window << " in flight above nonce " << mined << "; daemon log: " << daemon_log(f));
    // Never more than the window, even given time.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(nonce_count(f, core::chain::BlockTag::pending) == mined + window);
    f.mine();
    const json block = f.rpc.call("eth_getBlockByNumber", json::array({"latest", false}));
    per_block.push_back(block["transactions"].size());
    left -= window;
  }
  CHECK(per_block == std::vector<std::size_t>{16, 16, 16, 2});

  std::set<std::int64_t> nonces;
  for (const auto id : ids) {
    const auto t = f.final_row(id);
    REQUIRE_MESSAGE(t.status == core::db::TradeStatus::completed, t.error.value_or(""));
    test::check_row_matches_receipt(t, f.receipt(*t.tx_hash));
    nonces.insert(*t.nonce);
  }
  // Consecutive: 50 distinct nonces from the first, nothing skipped, nothing else sent.
  REQUIRE(nonces.size() == 50);
  CHECK(*nonces.begin() == static_cast<std::int64_t>(first));
  CHECK(*nonces.rbegin() == static_cast<std::int64_t>(first + 49));
  CHECK(nonce_count(f, core::chain::BlockTag::latest) == first + 50);
}

TEST_CASE("trade: a dropped swap is rebroadcast, then replaced with a bumped gas price and mined; every hash is kept") {
  TradeFixture f("trade-stuck", {{"TRADE_STUCK_AFTER_S", "1"}, {"GAS_BUMP_PCT", "12"}});
  const auto& info = f.info();
  f.daemon.start();
  f.automine(false);
  const std::int64_t id = f.swap({{"from", "BNB"}, {"to", info.token_a.to_hex()}, {"amount", "0.1"}});
  const std::string first = f.sent_hash(id);
  f.rpc.call("anvil_dropAllTransactions");
  REQUIRE_FALSE(in_pool(f, first));
  // The node lost it: the sender sends the same signed bytes again...
  CHECK_MESSAGE(test::eventually([&] { return daemon_log(f).find("rebroadcast") != std::string::npos; }), daemon_log(f));
  // ...and when that is not mined either, replaces it at the same nonce.
  hash_after(f, id, first);
  // Blocks until it is mined: the sender may bump it again meanwhile, and there may be a moment
  // when the pool holds nothing of it (dropped, not yet sent again).
  REQUIRE_MESSAGE(test::eventually([&] {
    f.mine();
    const auto t = f.row(id);
    return t && t->status != core::db::TradeStatus::pending;
  }), daemon_log(f));
  const auto t = f.final_row(id);
  REQUIRE_MESSAGE(t.status == core::db::TradeStatus::completed, t.error.value_or(""));
  const auto r = f.receipt(*t.tx_hash);
  test::check_row_matches_receipt(t, r);

  const json txs = transactions(f, id);
  REQUIRE(txs.size() >= 2);
  CHECK(txs[0]["tx_hash"] == first);
  CHECK(txs[0]["state"] == "replaced");
  int mined = 0;
  for (const auto& tx : txs) {
    CHECK(tx["nonce"] == *t.nonce);
    if (tx["state"] == "mined") {
      ++mined;
      CHECK(tx["tx_hash"] == *t.tx_hash);
    }
  }
  CHECK(mined == 1);
  // 12 % more than the first, rounded up.
  const U256 p0(txs[0]["gas_price"].get<std::string>());
  const U256 p1(txs[1]["gas_price"].get<std::string>());
  CHECK(p1 >= (p0 * 112 + 99) / 100);
  const json w = wallet_health(f);
  CHECK(w["rebroadcasts"].get<int>() >= 1);
  CHECK(w["replacements"].get<int>() >= 1);
}

TEST_CASE("trade: in a gas spike (blocks with room for one swap, full of better-paying transfers) the stuck swap is replaced with bumped prices until it gets in") {
  TradeFixture f("trade-gas-spike", {{"TRADE_STUCK_AFTER_S", "1"}, {"GAS_BUMP_PCT", "50"}, {"GAS_PRICE_MAX_GWEI", "1000"}});
  const auto& info = f.info();
  f.daemon.start();
  f.automine(false);
  const std::int64_t id = f.swap({{"from", "BNB"}, {"to", info.token_a.to_hex()}, {"amount", "0.1"}});
  const std::string first = f.sent_hash(id);
  const auto sent = f.row(id);
  REQUIRE(sent->gas_limit.has_value());
  REQUIRE(sent->gas_price.has_value());
  const U256 ours(sent->gas_price->decimal());
  // The spike: a block holds our swap's gas limit and no more, and another account pays three
  // times our price for 0-value transfers, more of them than any block can take.
  f.rpc.call("evm_setBlockGasLimit", json::array({core::chain::to_quantity(static_cast<std::uint64_t>(*sent->gas_limit))}));
  const std::string spammer = f.rpc.call("eth_accounts")[3];
  const auto spammer_address = core::chain::Address::parse(spammer);
  const U256 spike = ours * 3;
  auto flood = [&](int n) {
    for (int i = 0; i < n; ++i) {
      f.rpc.call("eth_sendTransaction", json::array({{{"from", spammer}, {"to", spammer}, {"value", "0x0"}, {"gas", "0x5208"},
                                                      {"gasPrice", core::chain::to_quantity(spike)}}}));
    }
  };
  f.rpc.call("anvil_setNextBlockBaseFeePerGas", json::array({"0x0"}));
  flood(60);
  int blocks = 0;
  REQUIRE_MESSAGE(test::eventually([&] {
    const auto waiting = f.eth.get_transaction_count(spammer_address, core::chain::BlockTag::pending) -
                         f.eth.get_transaction_count(spammer_address, core::chain::BlockTag::latest);
    if (waiting < 30) flood(30);
    // BSC burns no base fee: keep anvil's at zero, or full blocks would raise it past everyone.
    f.rpc.call("anvil_setNextBlockBaseFeePerGas", json::array({"0x0"}));
    f.mine();
    ++blocks;
    const auto t = f.row(id);
    return t && t->status != core::db::TradeStatus::pending;
  }, std::chrono::milliseconds(60000)), daemon_log(f));
  const auto t = f.final_row(id);
  REQUIRE_MESSAGE(t.status == core::db::TradeStatus::completed, t.error.value_or(""));
  test::check_row_matches_receipt(t, f.receipt(*t.tx_hash));
  CHECK(*t.tx_hash != first);
  // What it paid to get in: the spike's price at least (a replacement takes the bump or the
  // node's gas price, whichever is higher, and the node's has risen to the spike's), and every
  // hash it was sent under is kept.
  CHECK(U256(t.gas_price->decimal()) >= spike);
  const json txs = transactions(f, id);
  REQUIRE(txs.size() >= 2);
  CHECK(txs[0]["tx_hash"] == first);
  int mined = 0;
  for (std::size_t i = 0; i < txs.size(); ++i) {
    CHECK(txs[i]["nonce"] == *t.nonce);
    if (i > 0) CHECK(U256(txs[i]["gas_price"].get<std::string>()) > U256(txs[i - 1]["gas_price"].get<std::string>()));
    if (txs[i]["state"] == "mined") {
      ++mined;
      CHECK(txs[i]["tx_hash"] == *t.tx_hash);
    } else {
      CHECK(txs[i]["state"] == "replaced");
    }
  }
  CHECK(mined == 1);
  MESSAGE("mined after " << blocks << " blocks of the spike, at " << txs.size() << " hashes");
  CHECK(wallet_health(f)["replacements"].get<int>() >= 1);
}

TEST_CASE("trade: speed-up replaces a sent swap on demand (CLI), and the replacement is what completes") {
  TradeFixture f("trade-speed-up", {{"TRADE_STUCK_AFTER_S", "600"}});
  const auto& info = f.info();
  f.daemon.start();
  f.automine(false);
  const std::int64_t id = f.swap({{"from", "BNB"}, {"to", info.token_a.to_hex()}, {"amount", "0.1"}});
  const std::string first = f.sent_hash(id);
  const U256 price0 = f.row(id)->gas_price->value();
  const auto r = test::bscbot({"trade", "speed-up", std::to_string(id)}, f.scratch.path(), f.daemon.env());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string second = hash_after(f, id, first);
  REQUIRE(test::eventually([&] { return in_pool(f, second); }));
  CHECK_FALSE(in_pool(f, first));  // the pool took the replacement in its place
  CHECK(f.row(id)->gas_price->value() >= (price0 * 112 + 99) / 100);
  f.mine();
  const auto t = f.final_row(id);
  REQUIRE_MESSAGE(t.status == core::db::TradeStatus::completed, t.error.value_or(""));
  CHECK(*t.tx_hash == second);
  test::check_row_matches_receipt(t, f.receipt(second));

  // Only a sent swap can be sped up.
  const auto done = test::bscbot({"trade", "speed-up", std::to_string(id)}, f.scratch.path(), f.daemon.env());
  CHECK(done.exit_code != 0);
  CHECK(done.err.find("already completed") != std::string::npos);
}

TEST_CASE("trade: cancel of a sent swap sends a 0-value self-transfer at its nonce; the trade ends failed, cancelled, when it is mined") {
  TradeFixture f("trade-cancel-sent", {{"TRADE_STUCK_AFTER_S", "600"}});
  const auto& info = f.info();
  f.daemon.start();
  f.automine(false);
  const auto [id, swap_hash, cancel_hash] = send_and_cancel(f);
  CHECK_FALSE(in_pool(f, swap_hash));  // the pool took the cancel in the swap's place
  CHECK(f.row(id)->status == core::db::TradeStatus::pending);  // not final until the cancel is mined
  f.mine();
  const auto t = f.final_row(id);
  CHECK(t.status == core::db::TradeStatus::failed);
  REQUIRE(t.error.has_value());
  CHECK(t.error->rfind("cancelled: ", 0) == 0);
  CHECK(t.tx_hash == std::optional<std::string>(cancel_hash));
  const auto receipt = f.receipt(cancel_hash);
  CHECK(receipt.status);
  const json tx = f.rpc.call("eth_getTransactionByHash", json::array({cancel_hash}));
  CHECK(tx["to"] == info.trader.to_hex());
  CHECK(tx["value"] == "0x0");
  CHECK(f.rpc.call("eth_getTransactionReceipt", json::array({swap_hash})).is_null());  // the swap never ran
  const json txs = transactions(f, id);
  REQUIRE(txs.size() == 2);
  CHECK(txs[0]["kind"] == "swap");
  CHECK(txs[0]["state"] == "replaced");
  CHECK(txs[1]["kind"] == "cancel");
  CHECK(txs[1]["state"] == "mined");
}

TEST_CASE("trade: a cancel that loses the race to its swap: the swap is mined first and the trade ends completed, the cancel replaced") {
  TradeFixture f("trade-cancel-race", {{"TRADE_STUCK_AFTER_S", "600"}});
  f.daemon.start();
  f.automine(false);
  const auto [id, swap_hash, cancel_hash] = send_and_cancel(f);
  // The race, as another node's pool could decide it: the cancel is lost and the swap, still
  // known elsewhere, comes back first. Its signed bytes are the ones bscbotd recorded.
  f.rpc.call("anvil_dropTransaction", json::array({cancel_hash}));
  const auto raw = test::deployment_store(f.scratch.path())->query_rows("SELECT raw_tx FROM trade_transactions WHERE tx_hash = '" + swap_hash + "'");
  REQUIRE(raw.size() == 1);
  CHECK(f.rpc.call("eth_sendRawTransaction", json::array({raw[0][0]})) == swap_hash);
  f.mine();
  const auto t = f.final_row(id);
  REQUIRE_MESSAGE(t.status == core::db::TradeStatus::completed, t.error.value_or("") << daemon_log(f));
  CHECK(t.tx_hash == std::optional<std::string>(swap_hash));
  test::check_row_matches_receipt(t, f.receipt(swap_hash));
  CHECK(f.rpc.call("eth_getTransactionReceipt", json::array({cancel_hash})).is_null());
  const json txs = transactions(f, id);
  REQUIRE(txs.size() == 2);
  CHECK(txs[0]["kind"] == "swap");
  CHECK(txs[0]["state"] == "mined");
  CHECK(txs[1]["kind"] == "cancel");
  CHECK(txs[1]["state"] == "replaced");
}

TEST_CASE("trade: with BSC_PRIVATE_RPC_URLS dead a swap fails 'not sent' naming it, and never reaches the public node") {
  const int dead = test::free_port();
  TradeFixture f("trade-private-dead", {{"BSC_PRIVATE_RPC_URLS", "http://127.0.0.1:" + std::to_string(dead) + "/"}, {"RPC_RETRIES", "0"}});
  const auto& info = f.info();
  f.daemon.start();
  const std::uint64_t before = nonce_count(f, core::chain::BlockTag::pending);
  const std::int64_t id = f.swap({{"from", "BNB"}, {"to", info.token_a.to_hex()}, {"amount", "0.1"}});
  const auto t = f.final_row(id);
  CHECK(t.status == core::db::TradeStatus::failed);
  REQUIRE(t.error.has_value());
  CHECK(t.error->rfind("not sent: ", 0) == 0);
  CHECK(t.error->find("BSC_PRIVATE_RPC_URLS") != std::string::npos);
  CHECK_FALSE(t.tx_hash.has_value());
  // The public node never saw a transaction of the wallet.
  CHECK(nonce_count(f, core::chain::BlockTag::pending) == before);
  const json chain = json::parse(f.daemon.get("/api/health").body)["chain"];
  CHECK(chain["private_sends"] == true);
  REQUIRE(chain["private_endpoints"].size() == 1);
  CHECK(chain["private_endpoints"][0]["failures"].get<int>() > 0);
}

TEST_CASE("trade: no endpoint answering for CHAIN_DOWN_AFTER_S makes /api/health 503 naming it, and `bscbot health` CRIT") {
  const int dead = test::free_port();
  TradeFixture f("trade-chain-down", {{"CHAIN_DOWN_AFTER_S", "1"}, {"RPC_RETRIES", "0"}});
  f.env["BSC_RPC_URL"] = "http://127.0.0.1:" + std::to_string(dead) + "/";
  test::Daemon d(f.scratch.path(), f.env);
  d.start();
  core::net::HttpResponse h;
  REQUIRE(test::eventually([&] {
    h = d.get("/api/health");
    return h.status == 503;
  }));
  CHECK(h.body.find("chain down") != std::string::npos);
  CHECK(h.body.find("CHAIN_DOWN_AFTER_S") != std::string::npos);
  CHECK(json::parse(h.body)["chain"]["down"] == true);
  CHECK(d.get("/api/metrics").body.find("bscbotd_chain_up 0") != std::string::npos);
  const auto r = test::bscbot({"health"}, f.scratch.path(), d.env());
  CHECK_MESSAGE(r.exit_code == 2, r.out << r.err);
  // Swaps are refused with the reason rather than queued to wait for ever.
  const auto swap = test::call(d, "POST", "/api/v1/trading/swap", test::token_for(Role::trader),
                               {{"from", "BNB"}, {"to", f.info().token_a.to_hex()}, {"amount", "0.1"}});
  CHECK(swap.status == 503);
  CHECK(swap.body.find("chain down") != std::string::npos);
}

TEST_CASE("trade: a receipt mined while the database is locked is applied once it frees, and a swap sent in meanwhile is queued, not failed") {
  // Issue 13 row 4. SQLite: another process holds the write lock far past DB_BUSY_TIMEOUT_MS.
  if (test::testing_pg()) {
    MESSAGE("SQLite's file lock; PostgreSQL's lock timeouts are covered by the store's retry contract tests");
    return;
  }
  TradeFixture f("trade-db-locked", {{"DB_BUSY_TIMEOUT_MS", "300"}});
  const auto& info = f.info();
  f.daemon.start();
  f.automine(false);
  const std::int64_t a = f.swap({{"from", "BNB"}, {"to", info.token_a.to_hex()}, {"amount", "0.1"}});
  const std::string hash_a = f.sent_hash(a);

  SQLite::Database lock((f.scratch / "data/trading-bot.sqlite").string(), SQLite::OPEN_READWRITE);
  lock.exec("BEGIN EXCLUSIVE");
  f.mine();  // a's receipt is out; its write cannot go in
  auto b = std::async(std::launch::async, [&] {
    return test::call(f.daemon, "POST", "/api/v1/trading/swap", test::token_for(Role::trader),
                      {{"from", "BNB"}, {"to", info.token_a.to_hex()}, {"amount", "0.2"}});
  });
  const bool both_waiting = test::eventually([&] {
    const std::string log = daemon_log(f);
    return log.find("Settling nonce") != std::string::npos && log.find("Queueing a swap: database write failed") != std::string::npos;
  });
  lock.exec("COMMIT");
  REQUIRE_MESSAGE(both_waiting, daemon_log(f));
  const auto answer = b.get();
  REQUIRE_MESSAGE(answer.status == 202, answer.body);
  const auto ta = f.final_row(a);
  REQUIRE_MESSAGE(ta.status == core::db::TradeStatus::completed, ta.error.value_or(""));
  test::check_row_matches_receipt(ta, f.receipt(hash_a));
  const std::int64_t b_id = json::parse(answer.body)["trade"]["id"].get<std::int64_t>();
  f.sent_hash(b_id);
  f.mine();
  const auto tb = f.final_row(b_id);
  CHECK_MESSAGE(tb.status == core::db::TradeStatus::completed, tb.error.value_or(""));
}

}  // TEST_SUITE
