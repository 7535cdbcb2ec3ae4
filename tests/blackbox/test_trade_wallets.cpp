// Several trading keys in one bscbotd (issue 14): each wallet its own nonce lane; a swap that
// names no wallet goes to the least busy one, a swap that names one goes there; the wallets
// route, /api/health and `trade history --wallet` show each. Automine is off while the swaps
// queue, so "least busy" is decided by pending trades, not by the machine's speed.
#include <sys/stat.h>

#include <fstream>

#include "tests/blackbox/trade_fixture.hpp"

using namespace bscbot;
using bscbot::test::TradeFixture;
using core::auth::Role;
using nlohmann::json;
namespace fs = std::filesystem;

TEST_SUITE("trade") {

TEST_CASE("trade: two trading keys: swaps go to the least busy wallet or the one named, each wallet at its own consecutive nonces") {
  TradeFixture f("trade-wallets");
  // A second key: anvil's account #2, mode 600 as every key file must be.
  const fs::path second = f.scratch / "second.key";
  {
    std::ofstream out(second);
    out << "0x" << core::devnet::anvil_account_key(2) << "\n";
  }
  fs::permissions(second, fs::perms::owner_read | fs::perms::owner_write);
  auto env = f.env;
  env.erase("TRADING_KEY_FILE");
  env["TRADING_KEY_FILES"] = f.info().key_file.string() + "," + second.string();
  test::Daemon d(f.scratch.path(), env);
  d.start();

  const auto list = json::parse(test::call(d, "GET", "/api/v1/trading/wallets", test::token_for(Role::viewer)).body)["wallets"];
  REQUIRE(list.size() == 2);
  const std::string w1 = list[0]["address"], w2 = list[1]["address"];
  CHECK(core::db::trade_rules::lower(w1) == f.info().trader.to_hex());

  f.automine(false);
  std::map<std::string, int> by_wallet;
  std::vector<std::int64_t> ids;
  auto swap = [&](const json& extra) {
    json body = {{"from", "BNB"}, {"to", f.info().token_a.to_hex()}, {"amount", "0.01"}};
    if (extra.is_object()) body.update(extra);
    const auto r = test::call(d, "POST", "/api/v1/trading/swap", test::token_for(Role::trader), body);
    REQUIRE_MESSAGE(r.status == 202, r.body);
    const json j = json::parse(r.body);
    ids.push_back(j["trade"]["id"].get<std::int64_t>());
    return j["wallet"].get<std::string>();
  };
  for (int i = 0; i < 10; ++i) ++by_wallet[core::db::trade_rules::lower(swap(json::object()))];
  CHECK(by_wallet[core::db::trade_rules::lower(w1)] == 5);
  CHECK(by_wallet[core::db::trade_rules::lower(w2)] == 5);
  // Named: by checksum address or in lower case, it goes to that wallet, however busy.
  CHECK(core::db::trade_rules::lower(swap({{"wallet", w2}})) == core::db::trade_rules::lower(w2));
  CHECK(core::db::trade_rules::lower(swap({{"wallet", core::db::trade_rules::lower(w2)}})) == core::db::trade_rules::lower(w2));
  const auto unknown = test::call(d, "POST", "/api/v1/trading/swap", test::token_for(Role::trader),
                                  {{"from", "BNB"}, {"to", f.info().token_a.to_hex()}, {"amount", "0.01"},
                                   {"wallet", "0x00000000000000000000000000000000000000aa"}});
  CHECK(unknown.status == 400);
  CHECK_MESSAGE(unknown.body.find("wallet") != std::string::npos, unknown.body);

  // Mine until every swap has ended.
  REQUIRE(test::eventually([&] {
    f.mine();
    for (const auto id : ids) {
      const auto t = f.row(id);
      if (!t || t->status == core::db::TradeStatus::pending) return false;
    }
    return true;
  }, std::chrono::milliseconds(60000)));
  std::map<std::string, int> completed;
  for (const auto id : ids) {
    const auto t = f.row(id);
    REQUIRE_MESSAGE(t->status == core::db::TradeStatus::completed, t->error.value_or(""));
    ++completed[t->wallet_address];
    test::check_row_matches_receipt(*t, f.receipt(*t->tx_hash));
  }
  // Each wallet used exactly one nonce per swap it sent, from its own lane.
  for (const std::string& w : {w1, w2}) {
    const auto address = core::chain::Address::parse(w);
    CHECK(f.eth.get_transaction_count(address, core::chain::BlockTag::latest) == static_cast<std::uint64_t>(completed[core::db::trade_rules::lower(w)]));
  }
  CHECK(completed[core::db::trade_rules::lower(w2)] == 7);

  // The wallets route and /api/health show both; history filters by either spelling.
  const auto after = json::parse(test::call(d, "GET", "/api/v1/trading/wallets", test::token_for(Role::viewer)).body)["wallets"];
  REQUIRE(after.size() == 2);
  CHECK(after[1]["stats"]["completed"] == 7);
  CHECK(json::parse(d.get("/api/health").body)["chain"]["wallets"].size() == 2);
  for (const std::string& spelling : {w2, core::db::trade_rules::lower(w2)}) {
    const auto r = test::bscbot({"--json", "trade", "history", "--wallet", spelling, "--limit", "100"}, f.scratch.path(), d.env());
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    const json h = json::parse(r.out);
    CHECK(h["count"] == 7);
    for (const auto& t : h["trades"]) CHECK(t["wallet_address"] == core::db::trade_rules::lower(w2));
  }
  const auto bad = test::bscbot({"trade", "history", "--wallet", "0xnothex"}, f.scratch.path(), d.env());
  CHECK(bad.exit_code != 0);
  CHECK(bad.err.find("--wallet") != std::string::npos);
}

}  // TEST_SUITE
