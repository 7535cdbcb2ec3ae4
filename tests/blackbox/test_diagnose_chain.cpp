// bscbot diagnose trades on a real chain (the devnet: anvil with PancakeSwap V2): a swap that
// really fails on its minimum output is grouped under slippage with the manual's remedy, and
// the pair behind an insufficient-liquidity failure and the wallet behind an
// insufficient-balance one are read from the chain, reserves and balance as the chain has them.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include "core/trade/pancake.hpp"
#include "core/util/wei.hpp"
#include "tests/blackbox/trade_fixture.hpp"

using nlohmann::json;
using namespace bscbot;
using bscbot::core::auth::Role;

TEST_SUITE("diagnose") {

TEST_CASE("diagnose trades: a real failed swap on the devnet, and the pair's reserves and the wallet's balance read from the chain") {
  test::TradeFixture f("diagnose-devnet");
  const auto& info = f.info();
  f.daemon.start();
  const auto viewer = test::token_for(Role::viewer);
  const json q = json::parse(test::call(f.daemon, "GET", "/api/v1/quote?from=BNB&to=" + info.token_a.to_hex() + "&amount=1", viewer).body);
  const core::U256 floor = core::U256(q["amount_out"].get<std::string>()) * 2;
  const auto failed = f.final_row(f.swap({{"from", "BNB"}, {"to", info.token_a.to_hex()}, {"amount", "1"}, {"amount_out_min", floor.str()}}));
  REQUIRE(failed.status == core::db::TradeStatus::failed);
  // Failures the devnet cannot produce on demand, on its real pair and wallet.
  {
    auto store = test::deployment_store(f.scratch.path());
    core::db::TradeStore& repo = store->trades();
    const std::string path = info.wbnb.to_hex() + "," + info.token_a.to_hex();
    for (const char* error : {"insufficient liquidity: PancakeLibrary: INSUFFICIENT_LIQUIDITY", "insufficient balance: insufficient funds for gas"}) {
      const auto id = repo.insert({info.trader.to_hex(), info.wbnb.to_hex(), info.token_a.to_hex(), core::Wei(core::U256(1000)), path, {}, {}, {}, {}, {}, {}, {}});
      REQUIRE(repo.fail(id, error, std::nullopt, core::db::KeepTxHash::no));
    }
  }
  auto env = f.env;
  env["PORT"] = std::to_string(f.daemon.port());
  const auto r = test::bscbot({"--json", "diagnose", "trades"}, f.scratch.path(), env);
  INFO(r.out << r.err);
  const json doc = json::parse(r.out);
  json trades;
  for (const auto& p : doc["problems"]) trades = p;
  auto find = [&](const std::string& prefix) {
    for (const auto& x : trades["findings"]) {
      if (x["title"].get<std::string>().rfind(prefix, 0) == 0) return x;
    }
    FAIL("no finding " << prefix);
    return json();
  };
  const json slippage = find("slippage: 1 failed trade(s)");
  CHECK(slippage["fix"].get<std::string>().find("raise DEFAULT_SLIPPAGE") != std::string::npos);
  CHECK(slippage["evidence"][0].get<std::string>().find(fmt::format("trade {} at ", failed.id)) == 0);

  // The chain's own figures, read here the same way.
  core::trade::Pancake pancake(f.eth, core::trade::Contracts{info.router, info.factory, info.wbnb});
  const auto pair = pancake.get_pair(info.wbnb, info.token_a);
  const auto [r0, r1, ts] = pancake.get_reserves(pair);
  const json liquidity = find("insufficient liquidity: 1 failed trade(s)");
  const std::string expected_pair = fmt::format("pair {} ({}/{}): reserves {} and {} (raw units)", pair.to_hex(), info.wbnb.to_hex(),
                                                info.token_a.to_hex(), core::to_decimal(r0), core::to_decimal(r1));
  CHECK_MESSAGE(std::find(liquidity["evidence"].begin(), liquidity["evidence"].end(), expected_pair) != liquidity["evidence"].end(),
                liquidity.dump(2));
  const json balance = find("insufficient balance: 1 failed trade(s)");
  const std::string expected_wallet =
      fmt::format("wallet {}: {} BNB", info.trader.to_hex(), core::format_units(f.eth.get_balance(info.trader), 18));
  CHECK_MESSAGE(std::find(balance["evidence"].begin(), balance["evidence"].end(), expected_wallet) != balance["evidence"].end(), balance.dump(2));
}

}  // TEST_SUITE
