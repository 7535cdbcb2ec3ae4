// The sender's parts with a fake node: where a wallet's nonces start after a restart (gaps and
// all), the nonce lane, the replacement gas price, and the one broadcaster's protocol on both
// backends (recorded before a byte leaves, refusals give the nonce back and never exist, a
// daemon fenced out sends nothing, a dead private endpoint is never bypassed).
#include <doctest/doctest.h>

#include <functional>
#include <mutex>
#include <vector>

#include "core/chain/rpc_client.hpp"
#include "core/chain/transaction.hpp"
#include "core/devnet/devnet.hpp"
#include "core/error.hpp"
#include "core/trade/broadcaster.hpp"
#include "core/trade/nonce_lane.hpp"
#include "core/trade/settings.hpp"
#include "tests/support/stores.hpp"

using namespace bscbot::core;
using namespace bscbot::core::trade;
using bscbot::test::Scratch;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

// A node that answers eth_sendRawTransaction through `on_send` (the raw hex in, a JSON-RPC
// answer or a thrown TransportError out) and records what it was sent.
class FakeNode final : public chain::RpcTransport {
public:
  std::function<json(const std::string& raw)> on_send = [](const std::string&) { return json{{"result", "0x"}}; };

  std::string post(const std::string&, const std::string& body, milliseconds) override {
    const json request = json::parse(body);
    REQUIRE(request["method"] == "eth_sendRawTransaction");
    const std::string raw = request["params"][0];
    {
      std::lock_guard lock(m_mutex);
      m_sent.push_back(raw);
    }
    json answer = on_send(raw);
    answer["jsonrpc"] = "2.0";
    answer["id"] = request["id"];
    return answer.dump();
  }
  std::vector<std::string> sent() const {
    std::lock_guard lock(m_mutex);
    return m_sent;
  }

private:
  mutable std::mutex m_mutex;
  std::vector<std::string> m_sent;
};

chain::RpcOptions no_retries() {
  chain::RpcOptions o;
  o.retries = 0;
  o.sleep = [](milliseconds) {};
  return o;
}

template <typename B>
struct Fixture {
  Scratch scratch{"trade-broadcaster"};
  std::unique_ptr<db::Store> store = bscbot::test::make_store(B::backend, scratch);
  std::shared_ptr<FakeNode> node = std::make_shared<FakeNode>();
  chain::RpcClient rpc{{"http://private-node"}, no_retries(), node};
  chain::Eth eth{rpc};
  chain::PrivateKey key = chain::PrivateKey::from_hex(devnet::anvil_account_key(1));
  NonceLane nonces;
  std::vector<std::string> logged;
  Broadcaster broadcaster{key, 56, eth, /*private_sends=*/true, store->lanes(), nonces,
                          [this](LogLevel, const std::string& m) { logged.push_back(m); }};
  std::string wallet = key.address().to_hex();

  Fixture() { nonces.start(7); }

  db::Fence fence(const std::string& owner = "daemon-1") {
    auto f = store->lanes().acquire(wallet, owner, std::chrono::seconds(30));
    REQUIRE(f.has_value());
    return *f;
  }
  TxIntent filler() const {
    return TxIntent{db::TxKind::filler, std::nullopt, key.address(), 0, {}, 21000, U256("1000000000"), std::nullopt, std::nullopt};
  }
  bool unsettled_has(const std::string& hash) {
    for (const auto& tx : store->lanes().unsettled(wallet)) {
      if (tx.tx_hash == hash) return true;
    }
    return false;
  }
};

}  // namespace

TEST_SUITE("trade") {

TEST_CASE("trade: plan_nonces starts past the pool and our highest, and names the empty nonces between") {
  // Nothing of ours in flight: the chain's pending count.
  auto p = plan_nonces(5, 8, {});
  CHECK(p.next == 8);
  CHECK(p.gaps.empty());
  // Ours at 8, 9 and 11 over a pool count of 8: 10 holds nothing and stalls 11.
  p = plan_nonces(5, 8, {8, 9, 11});
  CHECK(p.next == 12);
  CHECK(p.gaps == std::vector<std::uint64_t>{10});
  // The node's pool forgot ours (a restart of the node): everything from the pool count up.
  p = plan_nonces(5, 5, {7});
  CHECK(p.next == 8);
  CHECK(p.gaps == std::vector<std::uint64_t>{5, 6});
  // Ours below the pool's count are the node's business, not gaps.
  p = plan_nonces(3, 9, {4});
  CHECK(p.next == 9);
  CHECK(p.gaps.empty());
}

TEST_CASE("trade: a refused nonce is given back only while nothing above it was handed out") {
  NonceLane lane;
  CHECK_FALSE(lane.started());
  CHECK_THROWS_AS(lane.next(), Error);
  lane.start(10);
  lane.taken(10);
  lane.taken(11);
  CHECK(lane.next() == 12);
  CHECK_FALSE(lane.give_back(10));  // 11 is out: 10 is a gap for the sender to fill
  CHECK(lane.give_back(11));
  CHECK(lane.next() == 11);
  lane.resync(20);
  CHECK(lane.next() == 20);
  lane.resync(3);  // never backwards
  CHECK(lane.next() == 20);
  lane.reset();
  CHECK_FALSE(lane.started());
}

TEST_CASE("trade: a replacement pays GAS_BUMP_PCT more, rounded up, or the node's price, never above GAS_PRICE_MAX_GWEI") {
  const U256 gwei("1000000000");
  const U256 max = gwei * 20;
  CHECK(bumped_gas_price(gwei * 5, gwei, 12, max) == U256("5600000000"));
  CHECK(bumped_gas_price(U256(101), U256(0), 10, max) == U256(112));  // 111.1 rounds up
  CHECK(bumped_gas_price(gwei * 5, gwei * 9, 12, max) == gwei * 9);    // the market moved past the bump
  CHECK(bumped_gas_price(gwei * 5, gwei * 90, 12, max) == max);        // capped
  CHECK(bumped_gas_price(gwei * 18, gwei, 12, max) == max);            // the cap is still 10 % more
  CHECK_FALSE(bumped_gas_price(gwei * 19, gwei, 12, max).has_value());  // the cap is not: no valid replacement
}

TEST_CASE_TEMPLATE("trade: the broadcaster records a transaction before the node sees it and moves the nonce on", B, bscbot::test::OnSqlite,
                   bscbot::test::OnPg) {
  Fixture<B> f;
  const db::Fence fence = f.fence();
  bool recorded_first = false;
  f.node->on_send = [&](const std::string& raw) {
    const auto signed_tx = chain::decode_signed_transaction(chain::from_hex(raw));
    recorded_first = f.unsettled_has(chain::to_hex(signed_tx.hash));
    return json{{"result", chain::to_hex(signed_tx.hash)}};
  };
  const SendOutcome out = f.broadcaster.send(fence, f.filler());
  REQUIRE(out.status == SendOutcome::Status::sent);
  CHECK(recorded_first);
  CHECK(out.nonce == 7);
  CHECK(f.nonces.next() == 8);
  CHECK(chain::recover_sender(out.signed_tx) == f.key.address());
  const auto open = f.store->lanes().unsettled(f.wallet);
  REQUIRE(open.size() == 1);
  CHECK(open[0].nonce == 7);
  CHECK(open[0].raw_tx == chain::to_hex(out.signed_tx.raw));  // enough to rebroadcast after a crash
  CHECK(open[0].epoch == fence.epoch);

  // A rebroadcast sends the very same bytes; "already known" is success.
  f.node->on_send = [](const std::string&) { return json{{"error", {{"code", -32000}, {"message", "already known"}}}}; };
  const Rebroadcast rb = f.broadcaster.rebroadcast(open[0]);
  CHECK(rb.status == Rebroadcast::Status::accepted);
  CHECK(f.node->sent().back() == *open[0].raw_tx);
}

TEST_CASE_TEMPLATE("trade: a transaction the node refuses never existed: its nonce is free again", B, bscbot::test::OnSqlite,
                   bscbot::test::OnPg) {
  Fixture<B> f;
  const db::Fence fence = f.fence();
  f.node->on_send = [](const std::string&) {
    return json{{"error", {{"code", -32000}, {"message", "insufficient funds for gas * price + value"}}}};
  };
  const SendOutcome out = f.broadcaster.send(fence, f.filler());
  CHECK(out.status == SendOutcome::Status::refused);
  REQUIRE(out.failure.has_value());
  CHECK(out.failure->reason == FailureReason::insufficient_balance);
  CHECK(f.nonces.next() == 7);
  CHECK(f.store->lanes().unsettled(f.wallet).empty());

  f.node->on_send = [](const std::string&) { return json{{"error", {{"code", -32000}, {"message", "nonce too low"}}}}; };
  const SendOutcome low = f.broadcaster.send(fence, f.filler());
  CHECK(low.status == SendOutcome::Status::refused);
  CHECK(low.nonce_too_low);
}

TEST_CASE_TEMPLATE("trade: a daemon whose lease moved on records nothing and sends nothing", B, bscbot::test::OnSqlite, bscbot::test::OnPg) {
  Fixture<B> f;
  const db::Fence old = f.fence("daemon-1");
  f.store->lanes().release(old);
  const db::Fence now = f.fence("daemon-2");
  CHECK(now.epoch > old.epoch);
  const SendOutcome out = f.broadcaster.send(old, f.filler());
  CHECK(out.status == SendOutcome::Status::not_recorded);
  CHECK(f.node->sent().empty());
  CHECK(f.store->lanes().unsettled(f.wallet).empty());
  CHECK(f.nonces.next() == 7);
}

TEST_CASE_TEMPLATE("trade: with the private endpoint unreachable a swap is refused, naming BSC_PRIVATE_RPC_URLS; a lost answer is followed", B,
                   bscbot::test::OnSqlite, bscbot::test::OnPg) {
  Fixture<B> f;
  const db::Fence fence = f.fence();
  f.node->on_send = [](const std::string&) -> json {
    throw chain::TransportError("connection refused", 0, chain::TransportError::Cause::refused, chain::Delivery::not_delivered);
  };
  const SendOutcome out = f.broadcaster.send(fence, f.filler());
  CHECK(out.status == SendOutcome::Status::refused);
  REQUIRE(out.failure.has_value());
  CHECK(out.failure->reason == FailureReason::not_sent);
  CHECK(out.failure->detail.find("BSC_PRIVATE_RPC_URLS") != std::string::npos);
  CHECK(out.failure->detail.find("never sent to a public one") != std::string::npos);
  CHECK(f.nonces.next() == 7);
  CHECK(f.store->lanes().unsettled(f.wallet).empty());

  // The request went out and the answer never came: it may be in the pool, so it is followed.
  f.node->on_send = [](const std::string&) -> json {
    throw chain::TransportError("timed out", 0, chain::TransportError::Cause::timeout, chain::Delivery::maybe_delivered);
  };
  const SendOutcome maybe = f.broadcaster.send(fence, f.filler());
  CHECK(maybe.status == SendOutcome::Status::sent);
  CHECK(maybe.note.find("following it") != std::string::npos);
  CHECK(f.nonces.next() == 8);
  CHECK(f.unsettled_has(chain::to_hex(maybe.signed_tx.hash)));
}

}  // TEST_SUITE
