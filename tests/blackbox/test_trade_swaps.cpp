// Real swaps on a local chain: BNB->token and token->token through `bscbot trade swap` and the
// HTTP API, each trade row checked against the chain's receipt and balances; unmeetable
// minimums; a daemon killed between send and receipt; a dead first RPC endpoint; cancel.
#include <signal.h>

#include "core/error.hpp"
#include "tests/blackbox/trade_fixture.hpp"

using namespace bscbot;
using bscbot::test::TradeFixture;
using core::U256;
using core::auth::Role;
using nlohmann::json;

namespace {

std::uint64_t unix_now() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

// The receipt's own account of what `wallet` got of `token`, independent of the daemon's reading.
U256 transfers_to(const core::chain::Receipt& r, const core::chain::Address& token, const core::chain::Address& wallet) {
  U256 total = 0;
  for (const auto& log : r.logs) {
    if (auto t = core::chain::decode_transfer(log); t && t->token == token && t->to == wallet) total += t->value;
  }
  return total;
}

test::RunResult cli(TradeFixture& f, const std::vector<std::string>& args) { return test::bscbot(args, f.scratch.path(), f.daemon.env()); }

// From an unlocked anvil account, outside the daemon: moves the market or approves.
void send_from(TradeFixture& f, const core::chain::Address& from, const core::chain::Address& to, const core::chain::Bytes& data,
               const U256& value, const std::optional<U256>& gas_price = std::nullopt) {
  json tx = {{"from", from.to_hex()}, {"to", to.to_hex()}, {"data", core::chain::to_hex(data)}, {"value", core::chain::to_quantity(value)},
             {"gas", core::chain::to_quantity(std::uint64_t{400000})}};
  if (gas_price) tx["gasPrice"] = core::chain::to_quantity(*gas_price);
  f.rpc.call("eth_sendTransaction", json::array({tx}));
}

const U256 k_ether("1000000000000000000");

}  // namespace

TEST_SUITE("trade") {

TEST_CASE("trade: BNB->token and token->token through `bscbot trade swap` match the chain") {
  TradeFixture f("trade-cli");
  f.daemon.start();
  const auto& info = f.info();

  // BNB -> TKA
  const U256 bnb_before = f.eth.get_balance(info.trader);
  const U256 tka_before = f.token_balance(info.token_a, info.trader);
  auto r = cli(f, {"--json", "trade", "swap", "--from", "BNB", "--to", info.token_a.to_checksum(), "--amount", "1.5", "--yes"});
  REQUIRE_MESSAGE(r.exit_code == 0, std::string(r.out + r.err));
  const json doc = json::parse(r.out);
  CHECK(doc["trade"]["status"] == "completed");
  const auto t1 = *f.row(doc["trade"]["id"].get<std::int64_t>());
  CHECK(t1.amount_in.decimal() == "1500000000000000000");
  CHECK(t1.token_in == info.wbnb.to_hex());
  const auto r1 = f.receipt(*t1.tx_hash);
  CHECK(r1.status);
  test::check_row_matches_receipt(t1, r1);
  CHECK(t1.amount_out->decimal() == transfers_to(r1, info.token_a, info.trader).str());
  CHECK(t1.amount_out->decimal() == (f.token_balance(info.token_a, info.trader) - tka_before).str());
  CHECK(bnb_before - f.eth.get_balance(info.trader) == U256("1500000000000000000") + t1.gas_fee->value());
  // The floor the operator was shown is the one sent.
  CHECK(t1.amount_out_min->decimal() == doc["quote"]["amount_out_min"].get<std::string>());
  CHECK(t1.amount_out->value() >= t1.amount_out_min->value());

  // TKA -> TKB: the router is approved first, then the swap.
  const U256 tka_mid = f.token_balance(info.token_a, info.trader);
  const U256 tkb_before = f.token_balance(info.token_b, info.trader);
  r = cli(f, {"--json", "trade", "swap", "--from", info.token_a.to_hex(), "--to", info.token_b.to_hex(), "--amount-wei", "250000000000000000000",
              "--slippage", "1", "--yes"});
  REQUIRE_MESSAGE(r.exit_code == 0, std::string(r.out + r.err));
  const auto t2 = *f.row(json::parse(r.out)["trade"]["id"].get<std::int64_t>());
  CHECK(t2.status == core::db::TradeStatus::completed);
  CHECK(t2.slippage_bps == 100);
  const auto r2 = f.receipt(*t2.tx_hash);
  test::check_row_matches_receipt(t2, r2);
  CHECK(t2.amount_out->decimal() == transfers_to(r2, info.token_b, info.trader).str());
  CHECK(t2.amount_out->decimal() == (f.token_balance(info.token_b, info.trader) - tkb_before).str());
  CHECK(tka_mid - f.token_balance(info.token_a, info.trader) == U256("250000000000000000000"));
  CHECK(t2.path == info.token_a.to_hex() + "," + info.token_b.to_hex());
  CHECK(*t2.nonce == *t1.nonce + 2);  // the approval took the nonce in between

  // history/show/stats read the database.
  r = cli(f, {"--json", "trade", "history", "--status", "completed"});
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["count"] == 2);
  r = cli(f, {"--json", "trade", "show", *t2.tx_hash});
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["id"] == t2.id);
  r = cli(f, {"--json", "trade", "stats", "--since", "1h"});
  REQUIRE(r.exit_code == 0);
  const json stats = json::parse(r.out);
  CHECK(stats["total"] == 2);
  CHECK(stats["success_rate"].get<double>() == doctest::Approx(100.0));
  r = cli(f, {"trade", "gas-price"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("gwei") != std::string::npos);
  // The manual's grep for the price cache finds HIT/MISS as the last word (the log is flushed
  // every second).
  CHECK(test::eventually([&] {
    return test::shell("grep -E 'cache.*HIT|cache.*MISS' logs/api-server.log | awk '{print $NF}' | sort | uniq -c", f.scratch.path())
               .out.find("MISS") != std::string::npos;
  }));
  // The key never reaches the log.
  CHECK(test::read_text(f.scratch / "logs" / "api-server.log").find(core::devnet::anvil_account_key(1)) == std::string::npos);
}

TEST_CASE("trade: swaps through the HTTP API match the chain, BNB out included") {
  TradeFixture f("trade-api");
  const auto& info = f.info();
  // Approve TKB outside the daemon, so BNB received is exactly the balance change plus the fee.
  send_from(f, info.trader, info.token_b,
            core::chain::encode_call(core::chain::function_selector("approve(address,uint256)"),
                                     core::chain::AbiEncoder().address(info.router).uint256(~U256(0))),
            0);
  f.daemon.start();
  const std::string viewer = test::token_for(Role::viewer);

  const auto q = test::call(f.daemon, "GET", "/api/v1/quote?from=BNB&to=" + info.token_b.to_hex() + "&amount=2", viewer);
  REQUIRE_MESSAGE(q.status == 200, q.body);
  const json quote = json::parse(q.body);
  CHECK(quote["path"].size() == 2);
  CHECK(U256(quote["amount_out_min"].get<std::string>()) == U256(quote["amount_out"].get<std::string>()) * 9950 / 10000);
  CHECK(quote["mid_price"].get<double>() == doctest::Approx(500.0));

  const std::int64_t id1 = f.swap({{"from", "BNB"}, {"to", info.token_b.to_checksum()}, {"amount", "2"}});
  const auto t1 = f.final_row(id1);
  REQUIRE_MESSAGE(t1.status == core::db::TradeStatus::completed, t1.error.value_or(""));
  const auto r1 = f.receipt(*t1.tx_hash);
  test::check_row_matches_receipt(t1, r1);
  CHECK(t1.amount_out->decimal() == transfers_to(r1, info.token_b, info.trader).str());
  // GET trades/{id} by id and by hash gives the same row.
  const auto by_id = json::parse(test::call(f.daemon, "GET", "/api/v1/trading/trades/" + std::to_string(id1), viewer).body);
  const auto by_hash = json::parse(test::call(f.daemon, "GET", "/api/v1/trading/trades/" + *t1.tx_hash, viewer).body);
  CHECK(by_id["trade"] == by_hash["trade"]);
  CHECK(by_id["trade"]["amount_out"] == t1.amount_out->decimal());

  // TKB -> BNB: paid out through WBNB's withdraw.
  const U256 bnb_before = f.eth.get_balance(info.trader);
  const std::int64_t id2 = f.swap({{"from", info.token_b.to_hex()}, {"to", "BNB"}, {"amount_wei", "300000000000000000000"}, {"slippage", 2}});
  const auto t2 = f.final_row(id2);
  REQUIRE_MESSAGE(t2.status == core::db::TradeStatus::completed, t2.error.value_or(""));
  const auto r2 = f.receipt(*t2.tx_hash);
  test::check_row_matches_receipt(t2, r2);
  CHECK(f.eth.get_balance(info.trader) + t2.gas_fee->value() - bnb_before == t2.amount_out->value());
  CHECK(t2.token_out == info.wbnb.to_hex());

  // TKA -> TKB -> ... a token pair without a direct pool goes through WBNB: none here, so check
  // the dry run instead: a plan, no row, no transaction.
  const auto nonce_before = f.eth.get_transaction_count(info.trader, core::chain::BlockTag::pending);
  const auto dry = test::call(f.daemon, "POST", "/api/v1/trading/swap", test::token_for(Role::trader),
                              {{"from", info.token_a.to_hex()}, {"to", info.token_b.to_hex()}, {"amount", "10"}, {"dry_run", true}});
  REQUIRE_MESSAGE(dry.status == 200, dry.body);
  CHECK(json::parse(dry.body)["quote"]["needs_approval"] == true);
  CHECK(f.eth.get_transaction_count(info.trader, core::chain::BlockTag::pending) == nonce_before);

  // Health reports the chain from the engine's snapshot.
  const json health = json::parse(f.daemon.get("/api/health").body);
  CHECK(health["chain"]["state"] == "ok");
  CHECK(health["chain"]["chain_id"] == 56);
  CHECK(health["chain"]["wallet"] == info.trader.to_checksum());
  CHECK(health["chain"]["next_nonce"] == nonce_before);
  CHECK(health["chain"]["last_quote_to_send_ms"].is_number());
  // The manual's curl probes work on loopback without a token.
  const auto probe = test::shell("curl -s http://localhost:" + std::to_string(f.daemon.port()) + "/api/v1/gas-price", f.scratch.path());
  CHECK(json::parse(probe.out)["gas_price"].is_string());
}

TEST_CASE("trade: an unmeetable minimum output is recorded failed with the reason") {
  TradeFixture f("trade-slippage");
  const auto& info = f.info();
  f.daemon.start();
  const auto viewer = test::token_for(Role::viewer);

  // Refused before sending: the floor is above the router's quote, no transaction is signed.
  const json q = json::parse(test::call(f.daemon, "GET", "/api/v1/quote?from=BNB&to=" + info.token_a.to_hex() + "&amount=1", viewer).body);
  const U256 floor = U256(q["amount_out"].get<std::string>()) * 2;
  const auto nonce_before = f.eth.get_transaction_count(info.trader, core::chain::BlockTag::pending);
  const auto t1 = f.final_row(f.swap({{"from", "BNB"}, {"to", info.token_a.to_hex()}, {"amount", "1"}, {"amount_out_min", floor.str()}}));
  CHECK(t1.status == core::db::TradeStatus::failed);
  REQUIRE(t1.error.has_value());
  CHECK(t1.error->rfind("slippage:", 0) == 0);
  CHECK_FALSE(t1.tx_hash.has_value());
  CHECK(f.eth.get_transaction_count(info.trader, core::chain::BlockTag::pending) == nonce_before);

  // Reverted on chain: a bigger swap with a higher gas price lands first in the same block.
  f.automine(false);
  const std::int64_t id = f.swap({{"from", "BNB"}, {"to", info.token_a.to_hex()}, {"amount", "1"}, {"slippage", "0.5"}});
  const std::string hash = f.sent_hash(id);
  const auto our = f.rpc.call("eth_getTransactionByHash", json::array({hash}));
  const U256 our_price = core::chain::parse_quantity(our["gasPrice"].get<std::string>());
  send_from(f, info.other, info.router,
            core::chain::encode_call(core::chain::function_selector("swapExactETHForTokens(uint256,address[],address,uint256)"),
                                     core::chain::AbiEncoder()
                                         .uint256(0)
                                         .address_array(std::vector<core::chain::Address>{info.wbnb, info.token_a})
                                         .address(info.other)
                                         .uint256(unix_now() + 600)),
            k_ether * 20, our_price * 10);
  f.mine();
  const auto t2 = f.final_row(id);
  CHECK(t2.status == core::db::TradeStatus::failed);
  REQUIRE(t2.error.has_value());
  CHECK_MESSAGE(t2.error->rfind("slippage:", 0) == 0, *t2.error);
  CHECK(t2.error->find("INSUFFICIENT_OUTPUT_AMOUNT") != std::string::npos);
  const auto r = f.receipt(hash);
  CHECK_FALSE(r.status);
  test::check_row_matches_receipt(t2, r);  // a reverted swap still paid its gas
  CHECK_FALSE(t2.amount_out.has_value());
}

TEST_CASE("trade: a daemon killed between send and receipt reconciles the trade on restart") {
  TradeFixture f("trade-kill");
  const auto& info = f.info();
  f.daemon.start();
  f.automine(false);
  const U256 tka_before = f.token_balance(info.token_a, info.trader);
  const std::int64_t id = f.swap({{"from", "BNB"}, {"to", info.token_a.to_hex()}, {"amount", "0.5"}});
  const std::string hash = f.sent_hash(id);
  REQUIRE(::kill(f.daemon.pid(), SIGKILL) == 0);
  REQUIRE(test::eventually([&] { return !f.daemon.running(); }));
  CHECK(f.row(id)->status == core::db::TradeStatus::pending);

  f.daemon.start();
  // The transaction is still in the pool: the trade stays pending, the nonce is not reused.
  REQUIRE(test::eventually([&] {
    const json h = json::parse(f.daemon.get("/api/health").body);
    return h["chain"]["state"] == "ok" && h["chain"]["next_nonce"].is_number();
  }));
  CHECK(json::parse(f.daemon.get("/api/health").body)["chain"]["next_nonce"] == *f.row(id)->nonce + 1);
  CHECK(f.row(id)->status == core::db::TradeStatus::pending);
  f.mine();
  const auto t = f.final_row(id);
  REQUIRE_MESSAGE(t.status == core::db::TradeStatus::completed, t.error.value_or(""));
  const auto r = f.receipt(hash);
  test::check_row_matches_receipt(t, r);
  CHECK(t.amount_out->decimal() == (f.token_balance(info.token_a, info.trader) - tka_before).str());
  CHECK(test::read_text(f.scratch / "logs" / "api-server.log").find("reconciling tx") == std::string::npos);  // it waited instead

  // Killed again, and mined while the daemon is down: reconciled from the receipt at start.
  const std::int64_t id2 = f.swap({{"from", "BNB"}, {"to", info.token_a.to_hex()}, {"amount", "0.25"}});
  const std::string hash2 = f.sent_hash(id2);
  REQUIRE(::kill(f.daemon.pid(), SIGKILL) == 0);
  REQUIRE(test::eventually([&] { return !f.daemon.running(); }));
  f.mine();
  f.daemon.start();
  const auto t2 = f.final_row(id2);
  CHECK(t2.status == core::db::TradeStatus::completed);
  test::check_row_matches_receipt(t2, f.receipt(hash2));
  CHECK(test::eventually([&] {
    return test::read_text(f.scratch / "logs" / "api-server.log").find("reconciling tx " + hash2) != std::string::npos;
  }));
}

// Issue 13's swap crash points: bscbotd SIGKILLs itself (BSCBOT_TEST_CRASH_AT) after it recorded
// a swap's hash but before the broadcast, and right after the broadcast, before it noted the
// send. Either way the restarted daemon finishes the swap with that very transaction: sent again
// when the node never saw it, reconciled from its receipt when it was mined, never a second one.
TEST_CASE("trade: bscbotd killed between recording a swap's hash and broadcasting it, or just after, sends it exactly once after restart") {
  for (const std::string step : {"trade.hash_recorded", "trade.broadcast"}) {
    CAPTURE(step);
    TradeFixture f("trade-crash-" + step.substr(6), {{"BSCBOT_TEST_CRASH_AT", step}, {"TRADE_STUCK_AFTER_S", "2"}});
    const auto& info = f.info();
    f.daemon.start();
    const U256 tka_before = f.token_balance(info.token_a, info.trader);
    const auto nonce_before = f.eth.get_transaction_count(info.trader, core::chain::BlockTag::latest);
    // The daemon may die before its 202 is written: the trade is the newest row either way.
    long status = 0;
    try {
      status = test::call(f.daemon, "POST", "/api/v1/trading/swap", test::token_for(Role::trader),
                          {{"from", "BNB"}, {"to", info.token_a.to_hex()}, {"amount", "0.5"}})
                   .status;
    } catch (const core::Error&) {
      // No answer: it died first.
    }
    CHECK((status == 202 || status == 0));
    REQUIRE(test::eventually([&] { return !f.daemon.running(); }, std::chrono::seconds(20)));
    const auto newest = test::deployment_store(f.scratch.path())->trades().history({1, std::nullopt, std::nullopt, std::nullopt});
    REQUIRE(newest.size() == 1);
    const std::int64_t id = newest[0].id;
    REQUIRE(newest[0].status == core::db::TradeStatus::pending);
    REQUIRE(newest[0].tx_hash.has_value());
    const std::string hash = *newest[0].tx_hash;
    const bool node_has_it = !f.rpc.call("eth_getTransactionByHash", json::array({hash})).is_null();
    CHECK(node_has_it == (step == "trade.broadcast"));

    auto env = f.env;
    env.erase("BSCBOT_TEST_CRASH_AT");
    test::Daemon again(f.scratch.path(), env);
    again.start();
    const auto t = f.final_row(id);
    REQUIRE_MESSAGE(t.status == core::db::TradeStatus::completed, t.error.value_or(""));
    CHECK(*t.tx_hash == hash);  // the recorded transaction, not a new one
    test::check_row_matches_receipt(t, f.receipt(hash));
    CHECK(t.amount_out->decimal() == (f.token_balance(info.token_a, info.trader) - tka_before).str());
    CHECK(f.eth.get_transaction_count(info.trader, core::chain::BlockTag::latest) == nonce_before + 1);  // one transaction in all
    if (step == "trade.hash_recorded") {
      const std::string line = "tx " + hash + " (nonce " + std::to_string(*t.nonce) + ") sent again after a restart";
      CHECK(test::eventually([&] { return test::read_text(f.scratch / "logs" / "api-server.log").find(line) != std::string::npos; }));
    }
    again.stop();
  }
}

TEST_CASE("trade: with the first RPC URL dead, trading carries on through the second") {
  const int dead = test::free_port();
  TradeFixture f("trade-failover", {{"RPC_RETRIES", "0"}});
  f.env["BSC_RPC_URL"] = "http://127.0.0.1:" + std::to_string(dead) + "/";
  f.env["BSC_RPC_URLS"] = f.info().rpc_url;
  test::Daemon d(f.scratch.path(), f.env);
  d.start();
  const auto r = test::call(d, "POST", "/api/v1/trading/swap", test::token_for(Role::trader),
                            {{"from", "BNB"}, {"to", f.info().token_b.to_hex()}, {"amount", "1"}});
  REQUIRE_MESSAGE(r.status == 202, r.body);
  const auto t = f.final_row(json::parse(r.body)["trade"]["id"].get<std::int64_t>());
  REQUIRE_MESSAGE(t.status == core::db::TradeStatus::completed, t.error.value_or(""));
  test::check_row_matches_receipt(t, f.receipt(*t.tx_hash));
  const json endpoints = json::parse(d.get("/api/health").body)["chain"]["endpoints"];
  REQUIRE(endpoints.size() == 2);
  CHECK(endpoints[0]["failures"].get<int>() > 0);
  CHECK(endpoints[0]["score"].get<double>() < endpoints[1]["score"].get<double>());
  CHECK(endpoints[1]["calls"].get<int>() > 0);
}

TEST_CASE("trade: a queued swap is cancelled at once, through the API and the CLI, and only once") {
  // One in flight at a time, so the two behind the sent one stay queued.
  TradeFixture f("trade-cancel", {{"TRADE_MAX_IN_FLIGHT", "1"}});
  const auto& info = f.info();
  f.daemon.start();
  f.automine(false);
  const std::int64_t sent = f.swap({{"from", "BNB"}, {"to", info.token_a.to_hex()}, {"amount", "0.1"}});
  f.sent_hash(sent);
  const std::int64_t queued = f.swap({{"from", "BNB"}, {"to", info.token_a.to_hex()}, {"amount", "0.2"}});
  const std::int64_t by_cli = f.swap({{"from", "BNB"}, {"to", info.token_a.to_hex()}, {"amount", "0.3"}});
  CHECK(test::eventually([&] { return json::parse(f.daemon.get("/api/health").body)["trade_queue_length"] == 2; }));
  const auto trader = test::token_for(Role::trader);
  auto r = test::call(f.daemon, "POST", "/api/v1/trading/trades/" + std::to_string(queued) + "/cancel", trader);
  REQUIRE_MESSAGE(r.status == 200, r.body);
  CHECK(json::parse(r.body)["cancelled"] == true);
  CHECK(json::parse(r.body)["trade"]["error"] == "cancelled: by operator before it was sent");
  const auto c = test::bscbot({"trade", "cancel", std::to_string(by_cli)}, f.scratch.path(), f.daemon.env());
  CHECK_MESSAGE(c.exit_code == 0, c.err);
  const auto again = test::bscbot({"trade", "cancel", std::to_string(by_cli)}, f.scratch.path(), f.daemon.env());
  CHECK(again.exit_code == 75);
  CHECK(again.err.find("already failed") != std::string::npos);
  f.mine();
  CHECK(f.final_row(sent).status == core::db::TradeStatus::completed);
  for (const auto id : {queued, by_cli}) {
    const auto t = *f.row(id);
    CHECK(t.status == core::db::TradeStatus::failed);
    CHECK(t.error == std::optional<std::string>("cancelled: by operator before it was sent"));
    CHECK_FALSE(t.tx_hash.has_value());
  }
}

TEST_CASE("trade: a key file readable by others stops the daemon; the key stays out of config show") {
  TradeFixture f("trade-key");
  std::filesystem::permissions(f.info().key_file, std::filesystem::perms(0644));
  const auto r = test::run(test::bscbotd_exe(), {}, f.scratch.path(), f.env);
  CHECK(r.exit_code == 78);
  CHECK(r.err.find("chmod 600") != std::string::npos);
  auto env = f.env;
  env.erase("TRADING_KEY_FILE");
  env["TRADING_PRIVATE_KEY"] = core::devnet::anvil_account_key(1);
  const auto show = test::bscbot({"config", "show"}, f.scratch.path(), env);
  CHECK(show.exit_code == 0);
  CHECK(show.out.find(core::devnet::anvil_account_key(1)) == std::string::npos);
  CHECK(show.out.find("TRADING_PRIVATE_KEY") != std::string::npos);
}

TEST_CASE("trade: bscbot devnet up, status and down, and a daemon on its config") {
  test::Scratch s("trade-devnet-cli");
  auto r = test::bscbot({"--json", "devnet", "up", "--dir", "dn"}, s.path());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json up = json::parse(r.out);
  CHECK(std::filesystem::exists(s / "dn" / "bscbot.yaml"));
  CHECK((std::filesystem::status(s / "dn" / "trading.key").permissions() & std::filesystem::perms::group_all) == std::filesystem::perms::none);
  r = test::bscbot({"devnet", "up", "--dir", "dn"}, s.path());
  CHECK(r.exit_code == 75);  // one at a time
  r = test::bscbot({"devnet", "status", "--dir", "dn"}, s.path());
  CHECK(r.exit_code == 0);
  {
    test::Daemon d(s.path(), {{"BSCBOT_CONFIG", (s / "dn" / "bscbot.yaml").string()}, {"JWT_SECRET", test::k_jwt_secret}});
    d.start();
    const auto q = d.get("/api/v1/quote?from=BNB&to=" + up["tokens"]["TKA"].get<std::string>() + "&amount=1");
    CHECK_MESSAGE(q.status == 200, q.body);
  }
  r = test::bscbot({"devnet", "down", "--dir", "dn"}, s.path());
  CHECK(r.exit_code == 0);
  CHECK_FALSE(core::devnet::is_anvil(up["pid"].get<pid_t>()));
  r = test::bscbot({"devnet", "status", "--dir", "dn"}, s.path());
  CHECK(r.exit_code == 3);
}

}  // TEST_SUITE
