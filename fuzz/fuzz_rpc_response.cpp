// JSON-RPC responses (core/chain): the input is the body a node answers with, handed back by a
// scripted transport for every call the trade engine makes (eth_chainId, eth_gasPrice,
// eth_getBalance, eth_getTransactionCount, eth_estimateGas, eth_call through the PancakeSwap
// reads, eth_sendRawTransaction, eth_getTransactionReceipt and a batch), each on a fresh client
// so the request ids are 1 (and 1-3 for the batch) as in the corpus. Node errors go through the
// revert and refusal classification a failed swap is recorded with, receipts through the
// amount-received search. Properties: a hostile or broken node only ever causes core::Error
// (RpcError included), never a crash or another exception.
#include "core/chain/eth.hpp"
#include "core/chain/rpc_client.hpp"
#include "core/trade/outcome.hpp"
#include "core/trade/pancake.hpp"
#include "fuzz/support/fuzz_support.hpp"

using namespace bscbot::core;
using namespace bscbot::core::chain;

namespace {

class ScriptedNode final : public RpcTransport {
public:
  explicit ScriptedNode(std::string body) : m_body(std::move(body)) {}
  std::string post(const std::string&, const std::string&, std::chrono::milliseconds) override { return m_body; }

private:
  std::string m_body;
};

const Address k_wallet = Address::parse("0x1111111111111111111111111111111111111111");
const Address k_token = Address::parse("0x2222222222222222222222222222222222222222");
const trade::Contracts k_contracts{Address::parse("0x10ed43c718714eb63d5aa57b78b54704e256024e"),
                                   Address::parse("0xca143ce32fe78f1f7019d7d551a6402fc5350c73"),
                                   Address::parse("0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c")};

// One call on a fresh client; a node error is classified as the engine would record it.
template <typename F>
void ask(const std::shared_ptr<RpcTransport>& node, F&& call) {
  RpcOptions options;
  options.retries = 0;
  options.sleep = [](std::chrono::milliseconds) {};
  RpcClient rpc({"http://node.invalid/"}, options, node);
  Eth eth(rpc);
  try {
    call(rpc, eth);
  } catch (const RpcError& e) {
    (void)e.is_revert();
    (void)e.revert_data();
    (void)trade::revert_reason(e);
    (void)trade::classify_refusal(e);
    (void)trade::classify_revert(trade::revert_reason(e));
    (void)trade::is_nonce_too_low(e);
  } catch (const Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto node = std::make_shared<ScriptedNode>(std::string(bscbot::fuzz::as_text(data, size)));
  const Bytes32 hash{};
  ask(node, [](RpcClient&, Eth& eth) { (void)eth.chain_id(); });
  ask(node, [](RpcClient&, Eth& eth) { (void)eth.block_number(); });
  ask(node, [](RpcClient&, Eth& eth) { (void)eth.gas_price(); });
  ask(node, [](RpcClient&, Eth& eth) { (void)eth.get_balance(k_wallet, BlockTag::latest); });
  ask(node, [](RpcClient&, Eth& eth) { (void)eth.get_transaction_count(k_wallet, BlockTag::pending); });
  ask(node, [](RpcClient&, Eth& eth) { (void)eth.estimate_gas({{"from", k_wallet.to_hex()}, {"to", k_token.to_hex()}}); });
  ask(node, [](RpcClient&, Eth& eth) { (void)eth.send_raw_transaction(Bytes{0xc0}); });
  ask(node, [&](RpcClient&, Eth& eth) {
    if (const auto receipt = eth.get_transaction_receipt(hash)) {
      (void)trade::amount_received(*receipt, k_token, k_wallet, false, k_contracts.wbnb, k_contracts.router);
      (void)trade::amount_received(*receipt, k_token, k_wallet, true, k_contracts.wbnb, k_contracts.router);
    }
  });
  // The PancakeSwap reads, eth_call underneath.
  ask(node, [](RpcClient&, Eth& eth) { (void)trade::Pancake(eth, k_contracts).get_amounts_out(1000, {k_contracts.wbnb, k_token}); });
  ask(node, [](RpcClient&, Eth& eth) { (void)trade::Pancake(eth, k_contracts).get_pair(k_contracts.wbnb, k_token); });
  ask(node, [](RpcClient&, Eth& eth) { (void)trade::Pancake(eth, k_contracts).get_reserves(k_token); });
  ask(node, [](RpcClient&, Eth& eth) { (void)trade::Pancake(eth, k_contracts).balance_of(k_token, k_wallet); });
  ask(node, [](RpcClient&, Eth& eth) { (void)trade::Pancake(eth, k_contracts).allowance(k_token, k_wallet, k_contracts.router); });
  ask(node, [](RpcClient&, Eth& eth) { (void)trade::Pancake(eth, k_contracts).decimals(k_token); });
  // A batch of three, as the price cache sends quotes.
  ask(node, [](RpcClient& rpc, Eth&) {
    const std::vector<RpcRequest> requests = {{"eth_blockNumber"}, {"eth_gasPrice"}, {"eth_chainId"}};
    for (const RpcResponse& r : rpc.batch_responses(requests)) {
      if (r.error) (void)trade::classify_refusal(*r.error);
      else if (r.result.is_string()) bscbot::fuzz::allow_refusal([&] { (void)parse_quantity(r.result.get<std::string>()); });
    }
  });
  return 0;
}
