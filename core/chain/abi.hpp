#pragma once
// The slice of the Solidity ABI a PancakeSwap V2 client needs: calls with uint256, address,
// bool, address[] and bytes arguments; the router's, pair's and ERC-20 tokens' return values;
// Transfer and Swap events; and revert reasons.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/chain/address.hpp"
#include "core/chain/hex.hpp"
#include "core/chain/log.hpp"

namespace bscbot::core::chain {

using Selector = std::array<std::uint8_t, 4>;

// The first 4 bytes of keccak256 of a canonical signature such as "transfer(address,uint256)".
Selector function_selector(std::string_view signature);

// topics[0] of an event: keccak256 of its canonical signature.
Bytes32 event_topic(std::string_view signature);

// Builds the arguments of a call in order: static values go in the head, dynamic ones
// (arrays, bytes) in the tail with their offsets in the head.
class AbiEncoder {
public:
  // Static arguments: one 32-byte word each (addresses left-padded, bool as 0 or 1).
  AbiEncoder& uint256(const U256& value);
  AbiEncoder& address(const Address& value);
  AbiEncoder& boolean(bool value);

  // Dynamic arguments: a swap path (address[]) or raw bytes, placed in the tail.
  AbiEncoder& address_array(std::span<const Address> values);
  AbiEncoder& bytes(ByteView value);

  // The encoded argument tuple.
  Bytes encode() const;

private:
  struct Arg {
    Bytes32 head{};
    std::optional<Bytes> tail;  // set for dynamic arguments; head then holds the offset
  };
  std::vector<Arg> m_args;
};

// Call data: `selector` followed by the encoded `args`.
Bytes encode_call(const Selector& selector, const AbiEncoder& args = AbiEncoder());

// Reads values out of ABI-encoded data by 32-byte slot, checking every offset and length so a
// malformed or hostile answer throws core::Error(data) naming `what` instead of reading past
// the end. `data` must outlive the decoder.
class AbiDecoder {
public:
  AbiDecoder(ByteView data, std::string_view what);

  // The raw word at `slot`.
  Bytes32 word(std::size_t slot) const;
  // Static values at `slot`, each checked to be a canonical encoding of its type.
  U256 uint256(std::size_t slot) const;
  // A uintN (N < 256) word, refused when it does not fit N bits.
  U256 uint_n(std::size_t slot, unsigned bits) const;
  Address address(std::size_t slot) const;
  bool boolean(std::size_t slot) const;
  // Dynamic values: `slot` holds the offset of the length-prefixed content.
  std::vector<U256> uint256_array(std::size_t slot) const;
  Bytes bytes(std::size_t slot) const;
  std::string string(std::size_t slot) const;

private:
  [[noreturn]] void fail(const std::string& why) const;
  std::size_t offset_at(std::size_t slot) const;
  std::size_t length_at(std::size_t offset) const;

  ByteView m_data;
  std::string m_what;
};

// A single uint256 return value (balanceOf, allowance, totalSupply, decimals).
U256 decode_uint256(ByteView data);

// A single address return value (factory.getPair, pair.token0).
Address decode_address(ByteView data);

// A single bool return value (approve, transfer). Strict: pre-standard tokens that return
// nothing must be special-cased by the caller, since a call to a non-contract returns nothing
// too.
bool decode_bool(ByteView data);

// A uint256[] return value (router.getAmountsOut / getAmountsIn).
std::vector<U256> decode_uint256_array(ByteView data);

// pair.getReserves(): (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast).
struct Reserves {
  U256 reserve0;
  U256 reserve1;
  std::uint32_t block_timestamp_last = 0;
};
Reserves decode_reserves(ByteView data);

// A string return value (ERC-20 name/symbol). Exactly 32 bytes are read as a bytes32 string
// with trailing zeros dropped, which some old tokens return instead.
std::string decode_string(ByteView data);

// The reason in revert data: Error(string) gives its message, Panic(uint256) gives
// "panic 0x11"-style text; nullopt for empty or custom-error data.
std::optional<std::string> decode_revert_reason(ByteView data);

// ERC-20 Transfer(address indexed from, address indexed to, uint256 value).
struct TransferEvent {
  Address token;  // the emitting contract
  Address from;
  Address to;
  U256 value;
};

// UniswapV2/PancakeSwap pair Swap(address indexed sender, uint amount0In, uint amount1In,
// uint amount0Out, uint amount1Out, address indexed to).
struct SwapEvent {
  Address pair;  // the emitting contract
  Address sender;
  Address to;
  U256 amount0_in;
  U256 amount1_in;
  U256 amount0_out;
  U256 amount1_out;
};

// topics[0] of the two events a swap receipt is read for.
const Bytes32& transfer_topic();
const Bytes32& swap_topic();

// The Transfer in `log`, or nullopt when the log is another event (ERC-721 transfers, with a
// fourth topic, included); a Transfer with malformed data throws core::Error(data).
std::optional<TransferEvent> decode_transfer(const Log& log);

// The Swap in `log`, or nullopt when the log is another event; malformed data throws.
std::optional<SwapEvent> decode_swap(const Log& log);

}  // namespace bscbot::core::chain
