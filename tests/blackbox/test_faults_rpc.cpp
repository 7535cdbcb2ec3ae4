// Faults from outside, on the chain side (issue 13; the 429 case is issue 14's): a JSON-RPC node
// that is dead, hung, slow, flapping, rate limited or answers garbage, played by a loopback
// proxy in front of a real devnet. For each: bscbotd stays up, /api/health and `bscbot health`
// say what is wrong, no swap is lost or sent twice, and it recovers by itself when the fault
// ends. Blocks are mined by the test where timing matters, so nothing depends on the machine.
#include "tests/blackbox/trade_fixture.hpp"
#include "tests/support/rpc_fault_proxy.hpp"

using namespace bscbot;
using bscbot::test::RpcFault;
using bscbot::test::RpcFaultProxy;
using bscbot::test::TradeFixture;
using core::auth::Role;
using nlohmann::json;

namespace {

std::string daemon_log(const TradeFixture& f) { return test::read_text(f.scratch / "logs" / "api-server.log"); }

core::net::HttpResponse post_swap(const test::Daemon& d, const json& body) {
  return test::call(d, "POST", "/api/v1/trading/swap", test::token_for(Role::trader), body);
}

std::int64_t swap_id(const core::net::HttpResponse& r) {
  REQUIRE_MESSAGE(r.status == 202, r.body);
  return json::parse(r.body)["trade"]["id"].get<std::int64_t>();
}

json chain_of(const test::Daemon& d) { return json::parse(d.get("/api/health").body)["chain"]; }

json health_check(const test::Daemon& d, const std::string& name, int* exit_code = nullptr) {
  const auto r = test::bscbot({"--json", "health"}, d.dir(), d.env());
  if (exit_code) *exit_code = r.exit_code;
  const json doc = json::parse(r.out);
  for (const auto& c : doc["checks"]) {
    if (c["name"] == name) return c;
  }
  FAIL("no " << name << " check in: " << r.out);
  return nullptr;
}

// A daemon whose first (or only) endpoint is the proxy; `second` adds the node itself behind it.
std::map<std::string, std::string> env_through(TradeFixture& f, const RpcFaultProxy& proxy, bool second) {
  auto env = f.env;
  env["BSC_RPC_URL"] = proxy.url();
  if (second) env["BSC_RPC_URLS"] = proxy.url() + "," + f.info().rpc_url;
  return env;
}

}  // namespace

TEST_SUITE("faults") {

TEST_CASE("faults: the only RPC node dead, hung, rate limited or answering garbage: chain down said, nothing lost, back by itself") {
  TradeFixture f("faults-rpc-sole", {{"CHAIN_DOWN_AFTER_S", "2"}, {"RPC_RETRIES", "0"}, {"RPC_TIMEOUT_MS", "1000"},
                                     {"RPC_CONNECT_TIMEOUT_MS", "200"}, {"TRADE_STUCK_AFTER_S", "3600"}});
  RpcFaultProxy proxy(f.info().rpc_url);
  test::Daemon d(f.scratch.path(), env_through(f, proxy, false));
  d.start();
  REQUIRE(test::eventually([&] { return chain_of(d)["state"] == "ok"; }));

  // A swap in flight when the node goes: it must survive every outage below.
  f.automine(false);
  const std::int64_t id = swap_id(post_swap(d, {{"from", "BNB"}, {"to", f.info().token_a.to_hex()}, {"amount", "0.1"}}));
  const std::string hash = f.sent_hash(id);

  const std::vector<std::pair<RpcFault, std::string>> faults = {
      {RpcFault::dead, "onnect"}, {RpcFault::hung, "timed out"}, {RpcFault::rate_limited, "HTTP 429"}, {RpcFault::garbage, "not JSON"}};
  for (const auto& [fault, words] : faults) {
    CAPTURE(words);
    proxy.set(fault);
    core::net::HttpResponse h;
    REQUIRE_MESSAGE(test::eventually([&] {
      h = d.get("/api/health");
      return h.status == 503;
    }, std::chrono::milliseconds(30000)), h.body << daemon_log(f));
    CHECK(h.body.find("chain down") != std::string::npos);
    CHECK_MESSAGE(h.body.find(words) != std::string::npos, h.body);
    int code = -1;
    const json chain = health_check(d, "chain", &code);
    CHECK(code == 2);
    CHECK(chain["status"] == "CRIT");
    CHECK_MESSAGE(chain["detail"].get<std::string>().find(words) != std::string::npos, chain.dump());
    // New swaps are refused with the reason; the one in flight stays as it was.
    const auto refused = post_swap(d, {{"from", "BNB"}, {"to", f.info().token_a.to_hex()}, {"amount", "0.1"}});
    CHECK(refused.status == 503);
    const auto row = f.row(id);
    REQUIRE(row);
    CHECK(row->status == core::db::TradeStatus::pending);

    proxy.set(RpcFault::none);
    REQUIRE_MESSAGE(test::eventually([&] { return d.get("/api/health").status == 200 && chain_of(d)["state"] == "ok"; },
                                     std::chrono::milliseconds(30000)),
                    daemon_log(f));
    CHECK(d.running());
  }

  f.mine();
  const auto t = f.final_row(id);
  REQUIRE_MESSAGE(t.status == core::db::TradeStatus::completed, t.error.value_or(""));
  CHECK(*t.tx_hash == hash);
  test::check_row_matches_receipt(t, f.receipt(hash));
  CHECK(f.eth.get_transaction_count(f.info().trader, core::chain::BlockTag::latest) == 1);
  // And a new swap goes through the recovered node.
  f.automine(true);
  const auto after = f.final_row(swap_id(post_swap(d, {{"from", "BNB"}, {"to", f.info().token_a.to_hex()}, {"amount", "0.1"}})));
  CHECK_MESSAGE(after.status == core::db::TradeStatus::completed, after.error.value_or(""));
}

TEST_CASE("faults: a first RPC node answering 429 is skipped for the second; swaps go on, health and metrics say rate limited") {
  TradeFixture f("faults-rpc-429", {{"RPC_RETRIES", "0"}});
  RpcFaultProxy proxy(f.info().rpc_url);
  proxy.set(RpcFault::rate_limited);
  test::Daemon d(f.scratch.path(), env_through(f, proxy, true));
  d.start();
  for (int i = 0; i < 3; ++i) {
    const auto t = f.final_row(swap_id(post_swap(d, {{"from", "BNB"}, {"to", f.info().token_b.to_hex()}, {"amount", "0.5"}})));
    REQUIRE_MESSAGE(t.status == core::db::TradeStatus::completed, t.error.value_or(""));
    test::check_row_matches_receipt(t, f.receipt(*t.tx_hash));
  }
  CHECK(proxy.received() > 0);
  CHECK(proxy.forwarded("eth_sendRawTransaction") == 0);
  const json endpoints = chain_of(d)["endpoints"];
  REQUIRE(endpoints.size() == 2);
  CHECK(endpoints[0]["rate_limited"].get<int>() > 0);
  CHECK(endpoints[0]["last_failure"] == "rate_limited");
  CHECK(endpoints[1]["calls"].get<int>() > 0);
  const std::string metrics = d.get("/api/metrics").body;
  CHECK(metrics.find("outcome=\"rate_limited\"") != std::string::npos);
  const json chain = health_check(d, "chain");
  CHECK(chain["status"] == "WARN");
  CHECK_MESSAGE(chain["detail"].get<std::string>().find("1 of 2 RPC endpoints failing") != std::string::npos, chain.dump());
  CHECK(chain["detail"].get<std::string>().find("HTTP 429") != std::string::npos);
}

TEST_CASE("faults: a hung first RPC node costs one timeout, then is skipped; swaps go on through the second") {
  TradeFixture f("faults-rpc-hung", {{"RPC_TIMEOUT_MS", "1500"}});
  RpcFaultProxy proxy(f.info().rpc_url);
  test::Daemon d(f.scratch.path(), env_through(f, proxy, true));
  d.start();
  REQUIRE(test::eventually([&] { return chain_of(d)["state"] == "ok"; }));
  proxy.set(RpcFault::hung);
  for (int i = 0; i < 3; ++i) {
    const auto t = f.final_row(swap_id(post_swap(d, {{"from", "BNB"}, {"to", f.info().token_b.to_hex()}, {"amount", "0.5"}})));
    REQUIRE_MESSAGE(t.status == core::db::TradeStatus::completed, t.error.value_or(""));
  }
  const json endpoints = chain_of(d)["endpoints"];
  REQUIRE(endpoints.size() == 2);
  // The circuit breaker: the hung node was waited on once (maybe twice, if a cool-off ended
  // between swaps), not once per call.
  CHECK(endpoints[0]["timeouts"].get<int>() >= 1);
  CHECK(endpoints[0]["timeouts"].get<int>() <= 3);
  CHECK(endpoints[0]["last_failure"] == "timeout");
  const json chain = health_check(d, "chain");
  CHECK(chain["status"] == "WARN");
  CHECK(d.get("/api/health").status == 200);
  // No transaction is left in the hung node's hands: every one reached the chain.
  CHECK(f.eth.get_transaction_count(f.info().trader, core::chain::BlockTag::latest) == 3);
}

TEST_CASE("faults: a slow RPC node and a flapping one: every swap completes once, nothing sent twice") {
  TradeFixture f("faults-rpc-slow", {{"RPC_TIMEOUT_MS", "5000"}});
  RpcFaultProxy proxy(f.info().rpc_url);
  test::Daemon d(f.scratch.path(), env_through(f, proxy, false));
  d.start();
  REQUIRE(test::eventually([&] { return chain_of(d)["state"] == "ok"; }));
  int swaps = 0;
  for (const RpcFault fault : {RpcFault::slow, RpcFault::flapping}) {
    proxy.set(fault, std::chrono::milliseconds(300));
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 3; ++i) ids.push_back(swap_id(post_swap(d, {{"from", "BNB"}, {"to", f.info().token_a.to_hex()}, {"amount", "0.2"}})));
    for (const auto id : ids) {
      const auto t = f.final_row(id, std::chrono::milliseconds(60000));
      REQUIRE_MESSAGE(t.status == core::db::TradeStatus::completed, t.error.value_or("") << daemon_log(f));
      test::check_row_matches_receipt(t, f.receipt(*t.tx_hash));
      ++swaps;
    }
    if (fault == RpcFault::slow) CHECK(chain_of(d)["endpoints"][0]["last_latency_ms"].get<int>() >= 300);
    if (fault == RpcFault::flapping) CHECK(chain_of(d)["endpoints"][0]["failures"].get<int>() > 0);
  }
  CHECK(d.running());
  CHECK(f.eth.get_transaction_count(f.info().trader, core::chain::BlockTag::latest) == static_cast<std::uint64_t>(swaps));
}

}  // TEST_SUITE
