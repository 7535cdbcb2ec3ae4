#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include "core/chain/abi.hpp"
#include "core/chain/eth.hpp"
#include "core/chain/keccak.hpp"
#include "core/chain/transaction.hpp"

using namespace bscbot::core;
using namespace bscbot::core::chain;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

// A scripted node: each method answers through its handler; every request is recorded.
class ScriptedNode final : public RpcTransport {
public:
  using Handler = std::function<json(const json& params)>;  // returns {"result": ...} or {"error": ...}

  void on(const std::string& method, Handler handler) { m_handlers[method] = std::move(handler); }
  void result(const std::string& method, json value) {
    on(method, [value](const json&) { return json{{"result", value}}; });
  }

  std::string post(const std::string&, const std::string& body, milliseconds) override {
    const json request = json::parse(body);
    std::lock_guard lock(m_mutex);
    m_requests.push_back(request);
    const std::string method = request["method"];
    const auto it = m_handlers.find(method);
    if (it == m_handlers.end()) throw TransportError("no script for " + method, 0);
    json answer = it->second(request["params"]);
    answer["jsonrpc"] = "2.0";
    answer["id"] = request["id"];
    return answer.dump();
  }

  std::vector<json> requests() const {
    std::lock_guard lock(m_mutex);
    return m_requests;
  }

private:
  std::map<std::string, Handler> m_handlers;
  mutable std::mutex m_mutex;
  std::vector<json> m_requests;
};

struct Fixture {
  Fixture() : rpc({"http://node"}, options(), node), eth(rpc) {}
  static RpcOptions options() {
    RpcOptions o;
    o.retries = 0;
    o.sleep = [](milliseconds) {};
    return o;
  }
  std::shared_ptr<ScriptedNode> node = std::make_shared<ScriptedNode>();
  RpcClient rpc;
  Eth eth;
};

const Address k_wallet = Address::parse("0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F");
const Address k_router = Address::parse("0x10ED43C718714eb63d5aA57B78B54704E256024E");

// A receipt as BSC nodes return it for a PancakeSwap swap (shape of eth_getTransactionReceipt;
// values made up, topics real).
json swap_receipt(const std::string& tx_hash) {
  json receipt = json::parse(R"({
    "blockHash": "0x5b8ab0f6a5e3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7",
    "blockNumber": "0x2625a00",
    "contractAddress": null,
    "cumulativeGasUsed": "0x1a2b3c",
    "effectiveGasPrice": "0xb2d05e00",
    "from": "0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f",
    "gasUsed": "0x15f90",
    "logs": [
      {
        "address": "0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c",
        "topics": [
          "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
          "0x00000000000000000000000010ed43c718714eb63d5aa57b78b54704e256024e",
          "0x00000000000000000000000058f876857a02d6762e0101bb5c46a8c1ed44dc16"
        ],
        "data": "0x000000000000000000000000000000000000000000000000002386f26fc10000",
        "logIndex": "0x0",
        "removed": false
      },
      {
        "address": "0x58f876857a02d6762e0101bb5c46a8c1ed44dc16",
        "topics": [
          "0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822",
          "0x00000000000000000000000010ed43c718714eb63d5aa57b78b54704e256024e",
          "0x0000000000000000000000009d8a62f656a8d1615c1294fd71e9cfb3e4855a4f"
        ],
        "data": "0x000000000000000000000000000000000000000000000000002386f26fc100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000003635c9adc5dea00000",
        "logIndex": "0x1",
        "removed": false
      }
    ],
    "logsBloom": "0x00",
    "status": "0x1",
    "to": "0x10ed43c718714eb63d5aa57b78b54704e256024e",
    "transactionHash": "TXHASH",
    "transactionIndex": "0x3",
    "type": "0x0"
  })");
  receipt["transactionHash"] = tx_hash;
  return receipt;
}

}  // namespace

TEST_CASE("chain: eth quantities come back as numbers") {
  Fixture f;
  f.node->result("eth_chainId", "0x38");
  f.node->result("eth_blockNumber", "0x2625a00");
  f.node->result("eth_gasPrice", "0xb2d05e00");
  f.node->result("eth_getBalance", "0xde0b6b3a7640000");
  f.node->result("eth_getTransactionCount", "0x7");
  f.node->result("eth_estimateGas", "0x15f90");
  CHECK(f.eth.chain_id() == 56);
  CHECK(f.eth.block_number() == 40000000);
  CHECK(f.eth.gas_price() == U256(3000000000u));
  CHECK(f.eth.get_balance(k_wallet) == U256("1000000000000000000"));
  CHECK(f.eth.get_transaction_count(k_wallet, BlockTag::pending) == 7);
  const json call_object = {{"from", k_wallet.to_hex()}, {"to", k_router.to_hex()}, {"value", "0x0"}, {"data", "0x"}};
  CHECK(f.eth.estimate_gas(call_object) == 90000);

  const auto requests = f.node->requests();
  REQUIRE(requests.size() == 6);
  CHECK(requests[3]["params"] == json::array({"0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f", "latest"}));
  CHECK(requests[4]["params"] == json::array({"0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f", "pending"}));
  CHECK(requests[5]["params"] == json::array({call_object}));
}

TEST_CASE("chain: eth refuses answers of the wrong shape") {
  Fixture f;
  f.node->result("eth_chainId", 56);
  CHECK_THROWS_WITH_AS(f.eth.chain_id(), doctest::Contains("instead of a hex string"), Error);
  f.node->result("eth_blockNumber", "0x1ffffffffffffffff");
  CHECK_THROWS_WITH_AS(f.eth.block_number(), doctest::Contains("64 bits"), Error);
  f.node->result("eth_gasPrice", "12");
  CHECK_THROWS_AS(f.eth.gas_price(), Error);
}

TEST_CASE("chain: eth_call sends to, data, from and block tag and returns bytes") {
  Fixture f;
  f.node->on("eth_call", [](const json&) {
    return json{{"result", "0x0000000000000000000000000000000000000000000000000de0b6b3a7640000"}};
  });
  const Bytes data = encode_call(function_selector("balanceOf(address)"), AbiEncoder().address(k_wallet));
  const Bytes answer = f.eth.eth_call(k_router, data, k_wallet, BlockTag::pending);
  CHECK(decode_uint256(answer) == U256("1000000000000000000"));
  const json params = f.node->requests().at(0)["params"];
  CHECK(params[0]["to"] == k_router.to_hex());
  CHECK(params[0]["from"] == k_wallet.to_hex());
  CHECK(params[0]["data"] == to_hex(data));
  CHECK(params[1] == "pending");

  f.eth.eth_call(k_router, data);
  const json plain = f.node->requests().at(1)["params"];
  CHECK_FALSE(plain[0].contains("from"));
  CHECK(plain[1] == "latest");
}

TEST_CASE("chain: eth_call reverts surface as RpcError with a decodable reason") {
  Fixture f;
  const Bytes reason = from_hex(
      "0x08c379a0"
      "0000000000000000000000000000000000000000000000000000000000000020"
      "0000000000000000000000000000000000000000000000000000000000000029"
      "50616e63616b65526f757465723a20494e53554646494349454e545f4f55545055545f414d4f554e5400000000000000000000000000000000000000"
      "00000000000000");
  f.node->on("eth_call", [&](const json&) {
    return json{{"error", {{"code", 3}, {"message", "execution reverted: PancakeRouter: INSUFFICIENT_OUTPUT_AMOUNT"},
                           {"data", to_hex(reason)}}}};
  });
  try {
    f.eth.eth_call(k_router, Bytes{0x7f, 0xf3, 0x6a, 0xb5});
    FAIL("expected a revert");
  } catch (const RpcError& e) {
    CHECK(e.is_revert());
    REQUIRE(e.revert_data().has_value());
    CHECK(decode_revert_reason(*e.revert_data()) == std::optional<std::string>("PancakeRouter: INSUFFICIENT_OUTPUT_AMOUNT"));
  }
}

TEST_CASE("chain: send_raw_transaction checks the node's hash") {
  Fixture f;
  LegacyTransaction tx;
  tx.nonce = 7;
  tx.gas_price = U256(3000000000u);
  tx.gas_limit = 21000;
  tx.to = k_router;
  tx.chain_id = 56;
  const SignedTransaction signed_tx =
      sign_transaction(tx, PrivateKey::from_hex("0x4646464646464646464646464646464646464646464646464646464646464646"));

  f.node->on("eth_sendRawTransaction", [](const json& params) {
    return json{{"result", to_hex(keccak256(ByteView(from_hex(params[0].get<std::string>()))))}};
  });
  CHECK(f.eth.send_raw_transaction(signed_tx.raw) == signed_tx.hash);
  CHECK(f.node->requests().at(0)["params"][0] == to_hex(signed_tx.raw));

  f.node->result("eth_sendRawTransaction", "0x" + std::string(64, '1'));
  CHECK_THROWS_WITH_AS(f.eth.send_raw_transaction(signed_tx.raw), doctest::Contains("node reported transaction hash"), Error);

  f.node->on("eth_sendRawTransaction", [](const json&) {
    return json{{"error", {{"code", -32000}, {"message", "nonce too low"}}}};
  });
  CHECK_THROWS_WITH_AS(f.eth.send_raw_transaction(signed_tx.raw), doctest::Contains("nonce too low"), RpcError);
}

TEST_CASE("chain: receipts are parsed with their logs") {
  Fixture f;
  const std::string hash = "0x" + std::string(62, 'a') + "01";
  f.node->result("eth_getTransactionReceipt", swap_receipt(hash));
  const auto receipt = f.eth.get_transaction_receipt(bytes32_from_hex(hash));
  REQUIRE(receipt.has_value());
  CHECK(to_hex(receipt->transaction_hash) == hash);
  CHECK(receipt->status);
  CHECK(receipt->gas_used == 90000);
  CHECK(receipt->effective_gas_price == U256(3000000000u));
  CHECK(receipt->block_number == 40000000);
  REQUIRE(receipt->logs.size() == 2);
  const auto transfer = decode_transfer(receipt->logs[0]);
  REQUIRE(transfer.has_value());
  CHECK(transfer->value == U256("10000000000000000"));
  CHECK(transfer->from == k_router);
  const auto swap = decode_swap(receipt->logs[1]);
  REQUIRE(swap.has_value());
  CHECK(swap->to == k_wallet);
  CHECK(swap->amount0_in == U256("10000000000000000"));
  CHECK(swap->amount1_out == U256("1000000000000000000000"));
  CHECK(f.node->requests().at(0)["params"] == json::array({hash}));

  f.node->result("eth_getTransactionReceipt", nullptr);
  CHECK_FALSE(f.eth.get_transaction_receipt(bytes32_from_hex(hash)).has_value());
}

TEST_CASE("chain: receipt parsing handles reverts, old nodes and junk") {
  const std::string hash = "0x" + std::string(64, 'b');
  json reverted = swap_receipt(hash);
  reverted["status"] = "0x0";
  reverted["logs"] = json::array();
  reverted.erase("effectiveGasPrice");
  const Receipt r = parse_receipt(reverted);
  CHECK_FALSE(r.status);
  CHECK(r.logs.empty());
  CHECK_FALSE(r.effective_gas_price.has_value());

  json bad = swap_receipt(hash);
  bad["status"] = "0x2";
  CHECK_THROWS_WITH_AS(parse_receipt(bad), doctest::Contains("neither 0 nor 1"), Error);
  bad = swap_receipt(hash);
  bad.erase("gasUsed");
  CHECK_THROWS_WITH_AS(parse_receipt(bad), doctest::Contains("gasUsed"), Error);
  bad = swap_receipt(hash);
  bad["logs"][0]["topics"][0] = "0x1234";
  CHECK_THROWS_WITH_AS(parse_receipt(bad), doctest::Contains("32-byte"), Error);
  CHECK_THROWS_AS(parse_receipt(json::array()), Error);
}

TEST_CASE("chain: wait_for_receipt polls until the transaction is mined") {
  Fixture f;
  const std::string hash = "0x" + std::string(64, 'c');
  int polls = 0;
  f.node->on("eth_getTransactionReceipt", [&](const json&) {
    ++polls;
    return polls < 3 ? json{{"result", nullptr}} : json{{"result", swap_receipt(hash)}};
  });
  const auto receipt = f.eth.wait_for_receipt(bytes32_from_hex(hash), milliseconds(5000), milliseconds(1));
  REQUIRE(receipt.has_value());
  CHECK(polls == 3);
  CHECK(receipt->status);
}

TEST_CASE("chain: wait_for_receipt gives up after the timeout") {
  Fixture f;
  f.node->result("eth_getTransactionReceipt", nullptr);
  const auto started = std::chrono::steady_clock::now();
  CHECK_FALSE(f.eth.wait_for_receipt(Bytes32{}, milliseconds(50), milliseconds(10)).has_value());
  const auto waited = std::chrono::steady_clock::now() - started;
  CHECK(waited >= milliseconds(50));
  CHECK(waited < milliseconds(2000));
  CHECK(f.node->requests().size() >= 3);
}

TEST_CASE("chain: wait_for_receipt rides out outages but reports one at the deadline") {
  Fixture f;
  int polls = 0;
  const std::string hash = "0x" + std::string(64, 'd');
  f.node->on("eth_getTransactionReceipt", [&](const json&) -> json {
    ++polls;
    if (polls == 1) throw TransportError("POST http://node: Connection reset", 0);
    if (polls == 2) return json{{"error", {{"code", -32005}, {"message", "limit exceeded"}}}};
    return json{{"result", swap_receipt(hash)}};
  });
  CHECK(f.eth.wait_for_receipt(bytes32_from_hex(hash), milliseconds(5000), milliseconds(1)).has_value());
  CHECK(polls == 3);

  f.node->on("eth_getTransactionReceipt", [&](const json&) -> json { throw TransportError("POST http://node: down", 0); });
  CHECK_THROWS_WITH_AS(f.eth.wait_for_receipt(bytes32_from_hex(hash), milliseconds(30), milliseconds(5)),
                       doctest::Contains("down"), Error);

  // A node refusing the request outright is not waited out.
  f.node->on("eth_getTransactionReceipt", [&](const json&) {
    return json{{"error", {{"code", -32602}, {"message", "invalid argument 0: hex string has length 2"}}}};
  });
  CHECK_THROWS_AS(f.eth.wait_for_receipt(bytes32_from_hex(hash), milliseconds(5000), milliseconds(1)), RpcError);
}
