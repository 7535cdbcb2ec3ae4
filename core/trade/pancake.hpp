#pragma once
// The PancakeSwap V2 contracts as the trade engine uses them: router quotes and swap call data,
// factory pairs, pair reserves, and the ERC-20 reads (balance, allowance, decimals) around a
// swap. Reads go through chain::Eth; nothing here signs or sends.
#include <cstdint>
#include <tuple>
#include <vector>

#include "core/chain/abi.hpp"
#include "core/chain/address.hpp"
#include "core/chain/eth.hpp"

namespace bscbot::core::trade {

struct Contracts {
  chain::Address router;
  chain::Address factory;
  chain::Address wbnb;
};

// Which router function a swap calls: BNB in (payable), BNB out (unwrapped), or token to token.
enum class SwapKind { bnb_for_tokens, tokens_for_bnb, tokens_for_tokens };

class Pancake {
public:
  Pancake(chain::Eth& eth, Contracts contracts) : m_eth(eth), m_contracts(contracts) {}

  const Contracts& contracts() const { return m_contracts; }

  // router.getAmountsOut(amount_in, path): the output of every hop; a revert (no pair, no
  // liquidity) comes back as chain::RpcError.
  std::vector<U256> get_amounts_out(const U256& amount_in, const std::vector<chain::Address>& path) const;

  // factory.getPair(a, b); the zero address when the pair does not exist.
  chain::Address get_pair(const chain::Address& a, const chain::Address& b) const;

  // pair.getReserves().
  std::tuple<U256, U256, std::uint32_t> get_reserves(const chain::Address& pair) const;

  U256 balance_of(const chain::Address& token, const chain::Address& owner) const;
  U256 allowance(const chain::Address& token, const chain::Address& owner, const chain::Address& spender) const;
  unsigned decimals(const chain::Address& token) const;
  // symbol(): an ABI string, or the bytes32 some old tokens return; throws core::Error(data)
  // when the token has none.
  std::string symbol(const chain::Address& token) const;

  // token.approve(spender, amount) call data.
  static chain::Bytes approve_data(const chain::Address& spender, const U256& amount);

  // The router call data of a swap with exact input.
  static chain::Bytes swap_data(SwapKind kind, const U256& amount_in, const U256& amount_out_min,
                                const std::vector<chain::Address>& path, const chain::Address& to, std::uint64_t deadline);

private:
  chain::Eth& m_eth;
  Contracts m_contracts;
};

}  // namespace bscbot::core::trade
