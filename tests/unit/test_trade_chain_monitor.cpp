// The chain monitor with a scripted node and a fake clock: the chain id is checked before
// anything may be signed, the head block is followed, and "chain down" is judged by how long no
// endpoint has answered against CHAIN_DOWN_AFTER_S, on the clock, not on the machine's speed.
#include <doctest/doctest.h>

#include <atomic>

#include "core/chain/rpc_client.hpp"
#include "core/chain/rpc_transport.hpp"
#include "core/trade/chain_monitor.hpp"
#include "core/trade/price_cache.hpp"
#include "core/trade/settings.hpp"

using namespace bscbot::core;
using namespace bscbot::core::trade;
using nlohmann::json;

namespace {

// Answers eth_chainId and eth_getBlockByNumber while `up`; refuses the connection otherwise.
class ScriptedNode final : public chain::RpcTransport {
public:
  std::atomic<bool> up{true};
  std::atomic<std::uint64_t> chain_id{56};
  std::atomic<std::uint64_t> block{100};

  std::string post(const std::string& url, const std::string& body, std::chrono::milliseconds) override {
    if (!up) throw chain::TransportError("POST " + url + ": Couldn't connect to server", 0);
    const json request = json::parse(body);
    json result;
    if (request["method"] == "eth_chainId") {
      result = chain::to_quantity(chain_id.load());
    } else if (request["method"] == "eth_getBlockByNumber") {
      result = {{"number", chain::to_quantity(block.load())}, {"timestamp", chain::to_quantity(std::uint64_t{1798761600})}};
    } else {
      return json{{"jsonrpc", "2.0"}, {"id", request["id"]}, {"error", {{"code", -32601}, {"message", "method not found"}}}}.dump();
    }
    return json{{"jsonrpc", "2.0"}, {"id", request["id"]}, {"result", result}}.dump();
  }
};

struct Monitored {
  FixedClock clock{SystemTime(std::chrono::seconds(1798761600))};
  std::shared_ptr<ScriptedNode> node = std::make_shared<ScriptedNode>();
  EngineSettings settings = [] {
    EngineSettings s;
    s.chain_id = 56;
    s.chain_down_after = std::chrono::seconds(60);
    s.price_cache.ttl = std::chrono::hours(1);  // no price refresh in these tests
    return s;
  }();
  chain::RpcClient rpc{{"http://node"}, no_retries(), node, clock};
  chain::Eth eth{rpc};
  PriceCache prices{settings.price_cache, [](const chain::Address&, const chain::Address&) { return chain::Address(); },
                    [](const chain::Address&) { return std::tuple<U256, U256, std::uint32_t>(0, 0, 0); }, clock};
  EngineHooks hooks;
  ChainMonitor monitor{settings, eth, prices, clock, hooks};

  static chain::RpcOptions no_retries() {
    chain::RpcOptions o;
    o.retries = 0;
    o.sleep = [](std::chrono::milliseconds) {};
    return o;
  }
};

}  // namespace

TEST_SUITE("trade") {

TEST_CASE("chain monitor: nothing may be signed until the node's chain id matches CHAIN_ID; a wrong one is refused for good") {
  Monitored m;
  CHECK_FALSE(m.monitor.ready());
  CHECK(m.monitor.status().state == ChainState::connecting);
  m.monitor.poll_once();
  CHECK(m.monitor.ready());
  const auto s = m.monitor.status();
  CHECK(s.state == ChainState::ok);
  CHECK(s.chain_id == std::optional<std::uint64_t>(56));
  CHECK(s.block_number == std::optional<std::uint64_t>(100));

  Monitored wrong;
  wrong.node->chain_id = 97;  // BSC testnet behind a mainnet config
  wrong.monitor.poll_once();
  CHECK_FALSE(wrong.monitor.ready());
  CHECK(wrong.monitor.status().state == ChainState::refused);
  CHECK(wrong.monitor.status().detail.find("chain id 97 but CHAIN_ID is 56") != std::string::npos);
  wrong.node->chain_id = 56;
  wrong.monitor.poll_once();  // refused stays refused: a node that changes chains is not trusted again
  CHECK_FALSE(wrong.monitor.ready());
}

TEST_CASE("chain monitor: a node that stops answering is down only after CHAIN_DOWN_AFTER_S on the clock, and up with its next answer") {
  Monitored m;
  m.monitor.poll_once();
  m.node->block = 101;
  m.node->up = false;
  m.clock.advance(std::chrono::seconds(30));
  m.monitor.poll_once();
  auto s = m.monitor.status();
  CHECK(s.state == ChainState::unavailable);
  CHECK(s.detail.find("Couldn't connect") != std::string::npos);
  CHECK_FALSE(s.down);  // silent for 30 s of 60
  CHECK(s.silent_for == std::chrono::seconds(30));
  CHECK(s.block_number == std::optional<std::uint64_t>(100));  // the last one seen
  m.clock.advance(std::chrono::seconds(31));
  s = m.monitor.status();  // judged at read time: the silence grows between polls
  CHECK(s.down);
  CHECK(s.silent_for == std::chrono::seconds(61));
  CHECK(m.monitor.ready());  // the chain id was checked: sends resume as soon as it answers

  m.node->up = true;
  m.monitor.poll_once();
  s = m.monitor.status();
  CHECK_FALSE(s.down);
  CHECK(s.state == ChainState::ok);
  CHECK(s.detail.empty());
  CHECK(s.block_number == std::optional<std::uint64_t>(101));
}

TEST_CASE("chain monitor: a node that never answered counts its silence from the start") {
  Monitored m;
  m.node->up = false;
  m.monitor.poll_once();
  CHECK(m.monitor.status().state == ChainState::unavailable);
  CHECK_FALSE(m.monitor.ready());
  m.clock.advance(std::chrono::seconds(61));
  CHECK(m.monitor.status().down);
}

}  // TEST_SUITE
