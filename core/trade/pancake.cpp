#include "core/trade/pancake.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace bscbot::core::trade {

using chain::AbiEncoder;
using chain::Address;
using chain::Bytes;
using chain::encode_call;
using chain::function_selector;

std::vector<U256> Pancake::get_amounts_out(const U256& amount_in, const std::vector<Address>& path) const {
  static const auto selector = function_selector("getAmountsOut(uint256,address[])");
  const Bytes data = encode_call(selector, AbiEncoder().uint256(amount_in).address_array(path));
  const auto amounts = chain::decode_uint256_array(m_eth.eth_call(m_contracts.router, data));
  if (amounts.size() != path.size()) {
    throw Error(ErrorKind::data, fmt::format("getAmountsOut returned {} amounts for a path of {}", amounts.size(), path.size()));
  }
  return amounts;
}

Address Pancake::get_pair(const Address& a, const Address& b) const {
  static const auto selector = function_selector("getPair(address,address)");
  return chain::decode_address(m_eth.eth_call(m_contracts.factory, encode_call(selector, AbiEncoder().address(a).address(b))));
}

std::tuple<U256, U256, std::uint32_t> Pancake::get_reserves(const Address& pair) const {
  static const auto selector = function_selector("getReserves()");
  const auto r = chain::decode_reserves(m_eth.eth_call(pair, encode_call(selector)));
  return {r.reserve0, r.reserve1, r.block_timestamp_last};
}

U256 Pancake::balance_of(const Address& token, const Address& owner) const {
  static const auto selector = function_selector("balanceOf(address)");
  return chain::decode_uint256(m_eth.eth_call(token, encode_call(selector, AbiEncoder().address(owner))));
}

U256 Pancake::allowance(const Address& token, const Address& owner, const Address& spender) const {
  static const auto selector = function_selector("allowance(address,address)");
  return chain::decode_uint256(m_eth.eth_call(token, encode_call(selector, AbiEncoder().address(owner).address(spender))));
}

unsigned Pancake::decimals(const Address& token) const {
  static const auto selector = function_selector("decimals()");
  const Bytes answer = m_eth.eth_call(token, encode_call(selector));
  if (answer.empty()) throw Error(ErrorKind::data, fmt::format("{} is not an ERC-20 token (no decimals())", token.to_hex()));
  const U256 d = chain::decode_uint256(answer);
  if (d > 36) throw Error(ErrorKind::data, fmt::format("token {} reports {} decimals", token.to_hex(), d.str()));
  return static_cast<unsigned>(d);
}

std::string Pancake::symbol(const Address& token) const {
  static const auto selector = function_selector("symbol()");
  const Bytes answer = m_eth.eth_call(token, encode_call(selector));
  if (answer.empty()) throw Error(ErrorKind::data, fmt::format("{} has no symbol()", token.to_hex()));
  return chain::decode_string(answer);
}

Bytes Pancake::approve_data(const Address& spender, const U256& amount) {
  static const auto selector = function_selector("approve(address,uint256)");
  return encode_call(selector, AbiEncoder().address(spender).uint256(amount));
}

Bytes Pancake::swap_data(SwapKind kind, const U256& amount_in, const U256& amount_out_min, const std::vector<Address>& path,
                         const Address& to, std::uint64_t deadline) {
  switch (kind) {
    case SwapKind::bnb_for_tokens: {
      static const auto selector = function_selector("swapExactETHForTokens(uint256,address[],address,uint256)");
      return encode_call(selector, AbiEncoder().uint256(amount_out_min).address_array(path).address(to).uint256(deadline));
    }
    case SwapKind::tokens_for_bnb: {
      static const auto selector = function_selector("swapExactTokensForETH(uint256,uint256,address[],address,uint256)");
      return encode_call(selector,
                         AbiEncoder().uint256(amount_in).uint256(amount_out_min).address_array(path).address(to).uint256(deadline));
    }
    case SwapKind::tokens_for_tokens: {
      static const auto selector = function_selector("swapExactTokensForTokens(uint256,uint256,address[],address,uint256)");
      return encode_call(selector,
                         AbiEncoder().uint256(amount_in).uint256(amount_out_min).address_array(path).address(to).uint256(deadline));
    }
  }
  throw Error(ErrorKind::internal, "unknown swap kind");
}

}  // namespace bscbot::core::trade
