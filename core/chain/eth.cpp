#include "core/chain/eth.hpp"

#include <fmt/format.h>

#include <exception>
#include <thread>

#include "core/chain/keccak.hpp"

namespace bscbot::core::chain {

namespace {

using nlohmann::json;

const char* tag_name(BlockTag tag) { return tag == BlockTag::pending ? "pending" : "latest"; }

// The string `field` of `object`, or core::Error(data) naming what was missing.
const std::string& text_field(const json& object, const char* field, const char* what) {
  if (!object.is_object() || !object.contains(field) || !object[field].is_string()) {
    throw Error(ErrorKind::data, fmt::format("{} lacks the string field '{}'", what, field));
  }
  return object[field].get_ref<const std::string&>();
}

const std::string& text_result(const json& result, const char* method) {
  if (!result.is_string()) throw Error(ErrorKind::data, fmt::format("{} returned {} instead of a hex string", method, result.dump()));
  return result.get_ref<const std::string&>();
}

Log parse_log(const json& object) {
  Log log;
  log.address = Address::parse(text_field(object, "address", "receipt log"));
  if (!object.contains("topics") || !object["topics"].is_array()) throw Error(ErrorKind::data, "receipt log lacks a topics array");
  for (const json& topic : object["topics"]) {
    if (!topic.is_string()) throw Error(ErrorKind::data, "receipt log topic is not a string");
    log.topics.push_back(bytes32_from_hex(topic.get<std::string>()));
  }
  log.data = from_hex(text_field(object, "data", "receipt log"));
  return log;
}

}  // namespace

Receipt parse_receipt(const json& object) {
  constexpr const char* k_what = "transaction receipt";
  Receipt receipt;
  receipt.transaction_hash = bytes32_from_hex(text_field(object, "transactionHash", k_what));
  const U256 status = parse_quantity(text_field(object, "status", k_what));
  if (status > 1) throw Error(ErrorKind::data, fmt::format("transaction receipt status {} is neither 0 nor 1", status.str()));
  receipt.status = status == 1;
  receipt.gas_used = parse_quantity_u64(text_field(object, "gasUsed", k_what));
  if (object.contains("effectiveGasPrice") && !object["effectiveGasPrice"].is_null()) {
    receipt.effective_gas_price = parse_quantity(text_field(object, "effectiveGasPrice", k_what));
  }
  receipt.block_number = parse_quantity_u64(text_field(object, "blockNumber", k_what));
  if (!object.contains("logs") || !object["logs"].is_array()) throw Error(ErrorKind::data, "transaction receipt lacks a logs array");
  for (const json& log : object["logs"]) receipt.logs.push_back(parse_log(log));
  return receipt;
}

std::uint64_t Eth::chain_id() const { return parse_quantity_u64(text_result(m_rpc.call("eth_chainId"), "eth_chainId")); }

std::uint64_t Eth::block_number() const {
  return parse_quantity_u64(text_result(m_rpc.call("eth_blockNumber"), "eth_blockNumber"));
}

U256 Eth::gas_price() const { return parse_quantity(text_result(m_rpc.call("eth_gasPrice"), "eth_gasPrice")); }

U256 Eth::get_balance(const Address& account, BlockTag tag) const {
  return parse_quantity(text_result(m_rpc.call("eth_getBalance", json::array({account.to_hex(), tag_name(tag)})), "eth_getBalance"));
}

std::uint64_t Eth::get_transaction_count(const Address& account, BlockTag tag) const {
  const json result = m_rpc.call("eth_getTransactionCount", json::array({account.to_hex(), tag_name(tag)}));
  return parse_quantity_u64(text_result(result, "eth_getTransactionCount"));
}

std::uint64_t Eth::estimate_gas(const json& call_object) const {
  return parse_quantity_u64(text_result(m_rpc.call("eth_estimateGas", json::array({call_object})), "eth_estimateGas"));
}

Bytes Eth::eth_call(const Address& to, ByteView data, const std::optional<Address>& from, BlockTag tag) const {
  json call_object = {{"to", to.to_hex()}, {"data", to_hex(data)}};
  if (from) call_object["from"] = from->to_hex();
  return from_hex(text_result(m_rpc.call("eth_call", json::array({call_object, tag_name(tag)})), "eth_call"));
}

Bytes32 Eth::send_raw_transaction(ByteView raw) const {
  const Bytes32 expected = keccak256(raw);
  const json result = m_rpc.call("eth_sendRawTransaction", json::array({to_hex(raw)}));
  const Bytes32 reported = bytes32_from_hex(text_result(result, "eth_sendRawTransaction"));
  if (reported != expected) {
    throw Error(ErrorKind::data, fmt::format("node reported transaction hash {} but the signed transaction hashes to {}",
                                             to_hex(reported), to_hex(expected)));
  }
  return reported;
}

std::optional<Receipt> Eth::get_transaction_receipt(const Bytes32& hash) const {
  const json result = m_rpc.call("eth_getTransactionReceipt", json::array({to_hex(hash)}));
  if (result.is_null()) return std::nullopt;
  return parse_receipt(result);
}

std::optional<Receipt> Eth::wait_for_receipt(const Bytes32& hash, std::chrono::milliseconds timeout,
                                             std::chrono::milliseconds poll_interval) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::exception_ptr outage;
    try {
      if (auto receipt = get_transaction_receipt(hash)) return receipt;
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::unavailable) throw;
      outage = std::current_exception();
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      if (outage) std::rethrow_exception(outage);
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(poll_interval, deadline - now));
  }
}

}  // namespace bscbot::core::chain
