#include "core/chain/abi.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "core/chain/keccak.hpp"
#include "core/error.hpp"

namespace bscbot::core::chain {

namespace {

constexpr std::size_t k_word = 32;

// Appends `bytes` right-padded with zeros to a whole number of words.
void append_padded(Bytes& out, ByteView bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
  out.resize(out.size() + (k_word - bytes.size() % k_word) % k_word, 0);
}

void append_word(Bytes& out, const Bytes32& word) { out.insert(out.end(), word.begin(), word.end()); }

Bytes32 address_word(const Address& value) {
  Bytes32 word{};
  std::copy(value.bytes().begin(), value.bytes().end(), word.begin() + (k_word - Address::k_size));
  return word;
}

bool matches(const Log& log, const Bytes32& topic, std::size_t topic_count) {
  return log.topics.size() == topic_count && log.topics[0] == topic;
}

}  // namespace

Selector function_selector(std::string_view signature) {
  const Bytes32 hash = keccak256(signature);
  Selector out{};
  std::copy(hash.begin(), hash.begin() + out.size(), out.begin());
  return out;
}

Bytes32 event_topic(std::string_view signature) { return keccak256(signature); }

AbiEncoder& AbiEncoder::uint256(const U256& value) {
  m_args.push_back(Arg{to_bytes32(value), std::nullopt});
  return *this;
}

AbiEncoder& AbiEncoder::address(const Address& value) {
  m_args.push_back(Arg{address_word(value), std::nullopt});
  return *this;
}

AbiEncoder& AbiEncoder::boolean(bool value) { return uint256(value ? 1 : 0); }

AbiEncoder& AbiEncoder::address_array(std::span<const Address> values) {
  Bytes tail;
  tail.reserve(k_word * (values.size() + 1));
  append_word(tail, to_bytes32(values.size()));
  for (const Address& a : values) append_word(tail, address_word(a));
  m_args.push_back(Arg{{}, std::move(tail)});
  return *this;
}

AbiEncoder& AbiEncoder::bytes(ByteView value) {
  Bytes tail;
  append_word(tail, to_bytes32(value.size()));
  append_padded(tail, value);
  m_args.push_back(Arg{{}, std::move(tail)});
  return *this;
}

Bytes AbiEncoder::encode() const {
  Bytes head;
  Bytes tail;
  const std::size_t head_size = k_word * m_args.size();
  for (const Arg& arg : m_args) {
    if (arg.tail) {
      append_word(head, to_bytes32(head_size + tail.size()));
      tail.insert(tail.end(), arg.tail->begin(), arg.tail->end());
    } else {
      append_word(head, arg.head);
    }
  }
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

Bytes encode_call(const Selector& selector, const AbiEncoder& args) {
  Bytes out(selector.begin(), selector.end());
  const Bytes encoded = args.encode();
  out.insert(out.end(), encoded.begin(), encoded.end());
  return out;
}

AbiDecoder::AbiDecoder(ByteView data, std::string_view what) : m_data(data), m_what(what) {}

void AbiDecoder::fail(const std::string& why) const {
  throw Error(ErrorKind::data, fmt::format("malformed {} ({} bytes): {}", m_what, m_data.size(), why));
}

Bytes32 AbiDecoder::word(std::size_t slot) const {
  if (slot >= m_data.size() / k_word) fail(fmt::format("no word at slot {}", slot));
  Bytes32 out{};
  std::copy_n(m_data.begin() + static_cast<std::ptrdiff_t>(slot * k_word), k_word, out.begin());
  return out;
}

U256 AbiDecoder::uint256(std::size_t slot) const { return from_big_endian(word(slot)); }

U256 AbiDecoder::uint_n(std::size_t slot, unsigned bits) const {
  const U256 value = uint256(slot);
  if (bits < 256 && (value >> bits) != 0) fail(fmt::format("value at slot {} does not fit uint{}", slot, bits));
  return value;
}

Address AbiDecoder::address(std::size_t slot) const {
  const Bytes32 w = word(slot);
  if (std::any_of(w.begin(), w.begin() + (k_word - Address::k_size), [](std::uint8_t b) { return b != 0; })) {
    fail(fmt::format("value at slot {} is not an address", slot));
  }
  return Address::from_word(w);
}

bool AbiDecoder::boolean(std::size_t slot) const {
  const U256 value = uint256(slot);
  if (value > 1) fail(fmt::format("value at slot {} is not a bool", slot));
  return value == 1;
}

std::size_t AbiDecoder::offset_at(std::size_t slot) const {
  const U256 offset = uint256(slot);
  if (offset > m_data.size() || m_data.size() - static_cast<std::size_t>(offset) < k_word) {
    fail(fmt::format("offset {} at slot {} points outside the data", offset.str(), slot));
  }
  return static_cast<std::size_t>(offset);
}

std::size_t AbiDecoder::length_at(std::size_t offset) const {
  const U256 length = from_big_endian(m_data.subspan(offset, k_word));
  if (length > m_data.size()) fail(fmt::format("length {} at offset {} exceeds the data", length.str(), offset));
  return static_cast<std::size_t>(length);
}

std::vector<U256> AbiDecoder::uint256_array(std::size_t slot) const {
  const std::size_t offset = offset_at(slot);
  const std::size_t count = length_at(offset);
  const std::size_t start = offset + k_word;
  if (count > (m_data.size() - start) / k_word) {
    fail(fmt::format("array of {} words at offset {} runs past the end", count, offset));
  }
  const AbiDecoder elements(m_data.subspan(start, count * k_word), m_what);
  std::vector<U256> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) out.push_back(elements.uint256(i));
  return out;
}

Bytes AbiDecoder::bytes(std::size_t slot) const {
  const std::size_t offset = offset_at(slot);
  const std::size_t length = length_at(offset);
  const std::size_t start = offset + k_word;
  if (length > m_data.size() - start) fail(fmt::format("{} bytes at offset {} run past the end", length, offset));
  const auto first = m_data.begin() + static_cast<std::ptrdiff_t>(start);
  return Bytes(first, first + static_cast<std::ptrdiff_t>(length));
}

std::string AbiDecoder::string(std::size_t slot) const {
  const Bytes raw = bytes(slot);
  return std::string(raw.begin(), raw.end());
}

U256 decode_uint256(ByteView data) { return AbiDecoder(data, "uint256 return value").uint256(0); }

Address decode_address(ByteView data) { return AbiDecoder(data, "address return value").address(0); }

bool decode_bool(ByteView data) { return AbiDecoder(data, "bool return value").boolean(0); }

std::vector<U256> decode_uint256_array(ByteView data) {
  return AbiDecoder(data, "uint256[] return value").uint256_array(0);
}

Reserves decode_reserves(ByteView data) {
  const AbiDecoder decoder(data, "getReserves() return value");
  Reserves out;
  out.reserve0 = decoder.uint_n(0, 112);
  out.reserve1 = decoder.uint_n(1, 112);
  out.block_timestamp_last = static_cast<std::uint32_t>(decoder.uint_n(2, 32));
  return out;
}

std::string decode_string(ByteView data) {
  if (data.size() == k_word) {
    const auto end = std::find(data.begin(), data.end(), std::uint8_t{0});
    return std::string(data.begin(), end);
  }
  return AbiDecoder(data, "string return value").string(0);
}

std::optional<std::string> decode_revert_reason(ByteView data) {
  static const Selector error_selector = function_selector("Error(string)");
  static const Selector panic_selector = function_selector("Panic(uint256)");
  if (data.size() < 4) return std::nullopt;
  const ByteView args = data.subspan(4);
  if (std::equal(error_selector.begin(), error_selector.end(), data.begin())) {
    return AbiDecoder(args, "Error(string) revert data").string(0);
  }
  if (std::equal(panic_selector.begin(), panic_selector.end(), data.begin())) {
    return "panic " + to_quantity(AbiDecoder(args, "Panic(uint256) revert data").uint256(0));
  }
  return std::nullopt;
}

const Bytes32& transfer_topic() {
  static const Bytes32 topic = event_topic("Transfer(address,address,uint256)");
  return topic;
}

const Bytes32& swap_topic() {
  static const Bytes32 topic = event_topic("Swap(address,uint256,uint256,uint256,uint256,address)");
  return topic;
}

std::optional<TransferEvent> decode_transfer(const Log& log) {
  if (!matches(log, transfer_topic(), 3)) return std::nullopt;
  TransferEvent out;
  out.token = log.address;
  out.from = Address::from_word(log.topics[1]);
  out.to = Address::from_word(log.topics[2]);
  out.value = AbiDecoder(log.data, "Transfer event data").uint256(0);
  return out;
}

std::optional<SwapEvent> decode_swap(const Log& log) {
  if (!matches(log, swap_topic(), 3)) return std::nullopt;
  const AbiDecoder data(log.data, "Swap event data");
  SwapEvent out;
  out.pair = log.address;
  out.sender = Address::from_word(log.topics[1]);
  out.to = Address::from_word(log.topics[2]);
  out.amount0_in = data.uint256(0);
  out.amount1_in = data.uint256(1);
  out.amount0_out = data.uint256(2);
  out.amount1_out = data.uint256(3);
  return out;
}

}  // namespace bscbot::core::chain
