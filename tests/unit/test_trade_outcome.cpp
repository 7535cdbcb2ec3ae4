// Reading a swap's outcome: the amount received from receipt logs, and the runbook's failure
// reasons from revert reasons and node refusals.
#include <doctest/doctest.h>

#include "core/chain/abi.hpp"
#include "core/chain/keccak.hpp"
#include "core/trade/outcome.hpp"

using namespace bscbot::core;
using namespace bscbot::core::chain;
using namespace bscbot::core::trade;

namespace {

const Address k_wallet = Address::parse("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
const Address k_token = Address::parse("0xcf7ed3acca5a467e9e704c703e8d87f634fb0fc9");
const Address k_other_token = Address::parse("0xdc64a140aa3e981100a9beca4e685f962f0cf6c9");
const Address k_wbnb = Address::parse("0x5fbdb2315678afecb367f032d93f642f64180aa3");
const Address k_router = Address::parse("0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0");
const Address k_pair = Address::parse("0x0ae19c8ec0c46412197552784d36a6296aa1f1ef");

Bytes32 word_of(const Address& a) {
  Bytes32 w{};
  std::copy(a.bytes().begin(), a.bytes().end(), w.begin() + 12);
  return w;
}

Log transfer(const Address& token, const Address& from, const Address& to, std::uint64_t value) {
  return Log{token, {transfer_topic(), word_of(from), word_of(to)}, AbiEncoder().uint256(value).encode()};
}

Log withdrawal(const Address& src, std::uint64_t value) {
  return Log{k_wbnb, {keccak256(std::string_view("Withdrawal(address,uint256)")), word_of(src)}, AbiEncoder().uint256(value).encode()};
}

Bytes error_string(const std::string& reason) {
  return encode_call(function_selector("Error(string)"), AbiEncoder().bytes(Bytes(reason.begin(), reason.end())));
}

}  // namespace

TEST_CASE("trade: amount received is the token's transfers to the wallet") {
  Receipt r;
  r.logs = {transfer(k_wbnb, k_router, k_pair, 1000), transfer(k_token, k_pair, k_wallet, 987),
            transfer(k_other_token, k_pair, k_wallet, 5), transfer(k_token, k_pair, k_router, 7)};
  CHECK(amount_received(r, k_token, k_wallet, false, k_wbnb, k_router) == U256(987));
  r.logs.push_back(transfer(k_token, k_pair, k_wallet, 13));
  CHECK(amount_received(r, k_token, k_wallet, false, k_wbnb, k_router) == U256(1000));
  CHECK_FALSE(amount_received(Receipt{}, k_token, k_wallet, false, k_wbnb, k_router).has_value());
}

TEST_CASE("trade: payments that add up past 2^256-1 are refused as data, not an overflow_error") {
  // A token's Transfer events are whatever its contract emits; two of 2^255 to the wallet once
  // threw Boost's std::overflow_error out of finalise (found by fuzz_abi).
  const U256 half = U256(1) << 255;
  Log big = transfer(k_token, k_pair, k_wallet, 0);
  big.data = AbiEncoder().uint256(half).encode();
  Receipt r;
  r.logs = {big, big};
  CHECK_THROWS_WITH_AS(amount_received(r, k_token, k_wallet, false, k_wbnb, k_router), doctest::Contains("past 2^256-1"), Error);
  r.logs = {big};
  CHECK(amount_received(r, k_token, k_wallet, false, k_wbnb, k_router) == half);
}

TEST_CASE("trade: BNB received is WBNB's Withdrawal by the router") {
  Receipt r;
  r.logs = {transfer(k_token, k_wallet, k_pair, 100), transfer(k_wbnb, k_pair, k_router, 199), withdrawal(k_router, 199),
            withdrawal(k_pair, 1)};
  CHECK(amount_received(r, k_wbnb, k_wallet, true, k_wbnb, k_router) == U256(199));
}

TEST_CASE("trade: revert reasons map to the runbook's failure reasons") {
  CHECK(classify_revert(std::string("UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT")).reason == FailureReason::slippage);
  CHECK(classify_revert(std::string("UniswapV2Library: INSUFFICIENT_LIQUIDITY")).reason == FailureReason::insufficient_liquidity);
  CHECK(classify_revert(std::string("UniswapV2Router: EXPIRED")).reason == FailureReason::deadline_expired);
  CHECK(classify_revert(std::string("TransferHelper: TRANSFER_FROM_FAILED")).reason == FailureReason::insufficient_balance);
  CHECK(classify_revert(std::string("something else")).text() == "reverted: something else");
  CHECK(classify_revert(std::string("something else")).reason == FailureReason::reverted);
  CHECK(classify_revert(std::nullopt).text() == "reverted: no reason given");
  // The stored text reads back to the same reason and detail.
  const auto back = Failure::parse(classify_revert(std::string("UniswapV2Router: EXPIRED")).text());
  REQUIRE(back.has_value());
  CHECK(back->reason == FailureReason::deadline_expired);
  CHECK(back->detail == classify_revert(std::string("UniswapV2Router: EXPIRED")).detail);
}

TEST_CASE("trade: node errors give their revert reason and refusal class") {
  const std::string hex = to_hex(error_string("UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT"));
  const RpcError revert("eth_estimateGas", 3, "execution reverted: UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT", hex);
  CHECK(revert_reason(revert) == std::optional<std::string>("UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT"));
  CHECK(classify_refusal(revert).reason == FailureReason::slippage);
  const RpcError message_only("eth_call", -32000, "execution reverted: UniswapV2Router: EXPIRED", nullptr);
  CHECK(revert_reason(message_only) == std::optional<std::string>("UniswapV2Router: EXPIRED"));
  const RpcError funds("eth_sendRawTransaction", -32000, "insufficient funds for gas * price + value", nullptr);
  CHECK(classify_refusal(funds).reason == FailureReason::insufficient_balance);
  const RpcError low("eth_sendRawTransaction", -32000, "nonce too low", nullptr);
  CHECK(is_nonce_too_low(low));
  CHECK(classify_refusal(low).reason == FailureReason::not_sent);
  CHECK_FALSE(is_nonce_too_low(funds));
}
