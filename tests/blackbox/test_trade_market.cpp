// The manual's cached market endpoints against the devnet: /api/v1/tokens (symbol and decimals
// read from the tokens' contracts), /api/v1/pairs (reserves from the pair contract), and
// /api/dashboard/overview (24 h figures, queue, wallet balances, health), each served again from
// its response cache within its TTL; without a chain, what the database knows, saying what is
// missing.
#include "tests/blackbox/trade_fixture.hpp"

using namespace bscbot;
using bscbot::test::TradeFixture;
using core::auth::Role;
using nlohmann::json;

namespace {

core::net::HttpResponse read(const test::Daemon& d, const std::string& path) { return test::call(d, "GET", path, test::token_for(Role::viewer)); }

json body_of(const core::net::HttpResponse& r) {
  REQUIRE_MESSAGE(r.status == 200, r.body);
  return json::parse(r.body);
}

}  // namespace

TEST_SUITE("trade") {

TEST_CASE("trade: tokens, pairs and the dashboard overview read the chain, and answer again from their response cache within the TTL") {
  TradeFixture f("trade-market");
  f.daemon.start();
  const auto id = f.swap({{"from", "BNB"}, {"to", f.info().token_a.to_hex()}, {"amount", "0.5"}});
  REQUIRE(f.final_row(id).status == core::db::TradeStatus::completed);

  const auto first = read(f.daemon, "/api/v1/tokens");
  const json tokens = body_of(first);
  CHECK(first.headers.at("x-cache") == "MISS");
  std::map<std::string, json> by_address;
  for (const auto& t : tokens["tokens"]) by_address[t["address"]] = t;
  REQUIRE(by_address.count(f.info().token_a.to_hex()) == 1);
  const json tka = by_address[f.info().token_a.to_hex()];
  // What the token's own symbol() says (the V2 test ERC-20 calls itself "TT").
  CHECK(tka["symbol"] == core::chain::decode_string(f.eth.eth_call(f.info().token_a, core::chain::encode_call(core::chain::function_selector("symbol()")))));
  CHECK(tka["symbol"] == "TT");
  CHECK(tka["decimals"] == 18);
  CHECK(tka["trades"] == 1);
  REQUIRE(by_address.count(f.info().wbnb.to_hex()) == 1);
  CHECK(by_address[f.info().wbnb.to_hex()]["wrapped_native"] == true);
  CHECK(tokens["missing"].is_null());
  const auto again = read(f.daemon, "/api/v1/tokens");
  CHECK(again.headers.at("x-cache") == "HIT");
  CHECK(again.body == first.body);

  const json pairs = body_of(read(f.daemon, "/api/v1/pairs"));
  REQUIRE(pairs["pairs"].size() == 1);
  const json p = pairs["pairs"][0];
  const auto pair = core::chain::Address::parse(p["pair"].get<std::string>());
  const auto reserves = f.eth.eth_call(pair, core::chain::encode_call(core::chain::function_selector("getReserves()")));
  CHECK(p["reserve0"] == core::chain::decode_uint256(core::chain::ByteView(reserves).first(32)).str());
  CHECK(p["trades"] == 1);
  CHECK(p["price0"].get<double>() > 0);

  const json o = body_of(read(f.daemon, "/api/dashboard/overview"));
  CHECK(o["trades_24h"]["total"] == 1);
  CHECK(o["trades_24h"]["completed"] == 1);
  CHECK(o["trades_24h"]["volume_in_wei"] == "500000000000000000");
  CHECK(o["health"]["status"] == "ok");
  REQUIRE(o["wallets"].size() == 1);
  CHECK(o["wallets"][0]["balance_wei"] == f.eth.get_balance(f.info().trader).str());

  const std::string metrics = f.daemon.get("/api/metrics").body;
  CHECK(metrics.find(R"(http_response_cache_total{result="hit",route="/api/v1/tokens"} 1)") != std::string::npos);
  CHECK(metrics.find(R"(http_response_cache_total{result="miss",route="/api/dashboard/overview"} 1)") != std::string::npos);
  // A viewer token is needed from anywhere but a loopback probe, as for the other reads.
  CHECK(test::call(f.daemon, "GET", "/api/v1/pairs", std::string("not-a-token")).status == 401);
}

TEST_CASE("trade: without a chain the market endpoints answer from the database and say what is missing") {
  test::Scratch s("trade-market-nochain");
  REQUIRE(test::init(s.path()).exit_code == 0);
  test::insert_trade(s.path(), test::utc_ago(60), "completed");
  test::Daemon d(s.path(), {{"JWT_SECRET", test::k_jwt_secret}});
  d.start();
  const json tokens = body_of(read(d, "/api/v1/tokens"));
  CHECK(tokens["count"].get<int>() >= 2);
  for (const auto& t : tokens["tokens"]) CHECK(t["symbol"].is_null());
  CHECK(tokens["missing"].get<std::string>().find("CHAIN_ENABLED=false") != std::string::npos);
  const json pairs = body_of(read(d, "/api/v1/pairs"));
  REQUIRE(pairs["pairs"].size() == 1);
  CHECK(pairs["pairs"][0]["reserve0"].is_null());
  const json o = body_of(read(d, "/api/dashboard/overview"));
  CHECK(o["trades_24h"]["total"] == 1);
  CHECK(o["wallets"].empty());
}

}  // TEST_SUITE
