#pragma once
// The trade suites' fixture: a devnet (anvil + WBNB, V2 factory/router, test tokens) started
// by the same core code as `bscbot devnet up`, a bscbotd with CHAIN_ENABLED=true on it, and
// helpers to call the API with tokens and to read the chain directly.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "core/auth/token.hpp"
#include "core/chain/abi.hpp"
#include "core/chain/eth.hpp"
#include "core/chain/rpc_client.hpp"
#include "core/db/store.hpp"
#include "core/devnet/devnet.hpp"
#include "core/net/http_client.hpp"
#include "tests/support/deployment.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/scratch.hpp"

namespace bscbot::test {

inline const std::string k_jwt_secret(64, 'j');

inline std::string token_for(core::auth::Role role, const std::string& secret = k_jwt_secret,
                             std::chrono::seconds ttl = std::chrono::seconds(600)) {
  return core::auth::mint_token(secret, "test", role, ttl);
}

// An HTTP call to the daemon with an optional bearer token.
inline core::net::HttpResponse call(const Daemon& d, const std::string& method, const std::string& path,
                                    const std::optional<std::string>& token, const nlohmann::json& body = nullptr) {
  core::net::HttpRequest r;
  r.method = method;
  r.url = d.url(path);
  r.timeout = std::chrono::milliseconds(30000);
  if (token) r.headers["Authorization"] = "Bearer " + *token;
  if (!body.is_null()) {
    r.body = body.dump();
    r.headers["Content-Type"] = "application/json";
  }
  return core::net::perform(r);
}

struct TradeFixture {
  Scratch scratch;
  core::devnet::Devnet devnet;
  core::chain::RpcClient rpc;
  core::chain::Eth eth;
  std::map<std::string, std::string> env;
  Daemon daemon;

  static core::devnet::DevnetOptions devnet_options(const Scratch& s) {
    core::devnet::DevnetOptions o;
    o.dir = s / "devnet";
    o.detach = core::devnet::Detach::no;
    return o;
  }
  static core::chain::RpcOptions rpc_options() {
    core::chain::RpcOptions o;
    o.timeout = std::chrono::milliseconds(10000);
    return o;
  }

  explicit TradeFixture(const std::string& name, std::map<std::string, std::string> extra = {})
      : scratch(name),
        devnet(devnet_options(scratch)),
        rpc({devnet.info().rpc_url}, rpc_options(), core::chain::make_curl_transport()),
        eth(rpc),
        env(daemon_env(devnet.info(), std::move(extra))),
        daemon(scratch.path(), env) {}

  static std::map<std::string, std::string> daemon_env(const core::devnet::DevnetInfo& info, std::map<std::string, std::string> extra) {
    std::map<std::string, std::string> e = {
        {"CHAIN_ENABLED", "true"},
        {"BSC_RPC_URL", info.rpc_url},
        {"CHAIN_ID", "56"},
        {"ROUTER_ADDRESS", info.router.to_checksum()},
        {"FACTORY_ADDRESS", info.factory.to_checksum()},
        {"WBNB_ADDRESS", info.wbnb.to_checksum()},
        {"TRADING_KEY_FILE", info.key_file.string()},
        {"JWT_SECRET", k_jwt_secret},
        {"RECEIPT_POLL_MS", "100"},
        {"RPC_TIMEOUT_MS", "3000"},
    };
    for (auto& [k, v] : extra) e[k] = v;
    return e;
  }

  const core::devnet::DevnetInfo& info() const { return devnet.info(); }
  std::optional<core::db::Trade> row(std::int64_t id) const { return deployment_store(scratch.path())->trades().find(id); }

  // POSTs a swap with a trader token; returns the new trade's id.
  std::int64_t swap(const nlohmann::json& body) {
    const auto r = call(daemon, "POST", "/api/v1/trading/swap", token_for(core::auth::Role::trader), body);
    REQUIRE_MESSAGE(r.status == 202, r.body);
    return nlohmann::json::parse(r.body)["trade"]["id"].get<std::int64_t>();
  }

  // Waits until the trade is no longer pending and returns it.
  core::db::Trade final_row(std::int64_t id, std::chrono::milliseconds timeout = std::chrono::milliseconds(30000)) const {
    std::optional<core::db::Trade> t;
    const bool done = eventually([&] {
      t = row(id);
      return t && t->status != core::db::TradeStatus::pending;
    }, timeout);
    REQUIRE_MESSAGE(done, "trade " << id << " still pending; daemon log: " << read_text(scratch / "logs" / "api-server.log"));
    return *t;
  }

  // Waits until the trade has a transaction hash the node knows (sent, maybe not mined).
  std::string sent_hash(std::int64_t id) const {
    std::optional<core::db::Trade> t;
    const bool sent = eventually([&] {
      t = row(id);
      if (!t || !t->tx_hash) return false;
      return !const_cast<core::chain::RpcClient&>(rpc).call("eth_getTransactionByHash", nlohmann::json::array({*t->tx_hash})).is_null();
    });
    REQUIRE_MESSAGE(sent, "trade " << id << " was not sent; daemon log: " << read_text(scratch / "logs" / "api-server.log"));
    return *t->tx_hash;
  }

  core::chain::Receipt receipt(const std::string& hash) {
    auto r = eth.get_transaction_receipt(core::chain::bytes32_from_hex(hash));
    REQUIRE(r.has_value());
    return *r;
  }

  core::U256 token_balance(const core::chain::Address& token, const core::chain::Address& owner) {
    using namespace core::chain;
    return decode_uint256(eth.eth_call(token, encode_call(function_selector("balanceOf(address)"), AbiEncoder().address(owner))));
  }

  void automine(bool on) { rpc.call("evm_setAutomine", nlohmann::json::array({on})); }
  void mine() { rpc.call("evm_mine"); }
};

// The trade's row must equal what the chain's receipt says: gas used and fee, block, success.
inline void check_row_matches_receipt(const core::db::Trade& t, const core::chain::Receipt& r) {
  REQUIRE(t.gas_used.has_value());
  CHECK(*t.gas_used == static_cast<std::int64_t>(r.gas_used));
  REQUIRE(r.effective_gas_price.has_value());
  REQUIRE(t.gas_fee.has_value());
  REQUIRE(t.gas_price.has_value());
  CHECK(t.gas_fee->decimal() == (core::U256(r.gas_used) * *r.effective_gas_price).str());
  CHECK(t.gas_price->decimal() == r.effective_gas_price->str());
  CHECK(t.block_number == static_cast<std::int64_t>(r.block_number));
  CHECK(t.finalized_at.has_value());
  CHECK(t.updated_at == *t.finalized_at);
}

}  // namespace bscbot::test
