// ABI decoding (core/chain/abi): the input is what a contract call or an event returned, as
// untrusted as the node that relays it. Every decoder the trade engine uses reads it (uint256,
// address, bool, uint256[] from getAmountsOut, getReserves, string, revert reasons as
// Error(string) and Panic(uint256)), every slot is read as every type, and the input is cut
// into event logs (Transfer, Swap, WBNB Withdrawal) that a swap receipt is searched for.
// Properties: malformed data is refused with core::Error only; whatever decodes re-encodes to
// the same words.
#include <algorithm>

#include "core/chain/abi.hpp"
#include "core/chain/eth.hpp"
#include "core/trade/outcome.hpp"
#include "fuzz/support/fuzz_support.hpp"

using namespace bscbot::core;
using namespace bscbot::core::chain;
using bscbot::fuzz::allow_refusal;

namespace {

Bytes with_selector(std::string_view signature, ByteView args) {
  const Selector s = function_selector(signature);
  // Sized once and copied into (GCC 12 warns falsely about vector::insert from a span here).
  Bytes out(s.size() + args.size());
  std::copy(s.begin(), s.end(), out.begin());
  std::copy(args.begin(), args.end(), out.begin() + static_cast<std::ptrdiff_t>(s.size()));
  return out;
}

std::string hex_of(ByteView data) { return to_hex(data.first(std::min<std::size_t>(data.size(), 256))); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const ByteView data(bytes, size);

  // The engine's return-value decoders, each checked against the words it read.
  allow_refusal([&] {
    const U256 v = decode_uint256(data);
    const Bytes32 w = to_bytes32(v);
    BSCBOT_FUZZ_CHECK(std::equal(w.begin(), w.end(), data.begin()), hex_of(data));
  });
  allow_refusal([&] {
    const Address a = decode_address(data);
    const Bytes encoded = AbiEncoder().address(a).encode();
    BSCBOT_FUZZ_CHECK(std::equal(encoded.begin(), encoded.end(), data.begin()), hex_of(data));
  });
  allow_refusal([&] {
    const bool b = decode_bool(data);
    BSCBOT_FUZZ_CHECK(data[31] == (b ? 1 : 0), hex_of(data));
  });
  allow_refusal([&] {
    const std::vector<U256> amounts = decode_uint256_array(data);
    BSCBOT_FUZZ_CHECK(amounts.size() * 32 + 32 <= data.size(), hex_of(data));
  });
  allow_refusal([&] {
    const Reserves r = decode_reserves(data);
    BSCBOT_FUZZ_CHECK((r.reserve0 >> 112) == 0 && (r.reserve1 >> 112) == 0, hex_of(data));
  });
  allow_refusal([&] { (void)decode_string(data); });
  allow_refusal([&] { (void)decode_revert_reason(data); });
  allow_refusal([&] { (void)decode_revert_reason(with_selector("Error(string)", data)); });
  allow_refusal([&] { (void)decode_revert_reason(with_selector("Panic(uint256)", data)); });

  // Every slot as every type (the slots the data has, and one past them); a dynamic value that
  // decodes encodes back to itself.
  const AbiDecoder decoder(data, "fuzz input");
  for (std::size_t slot = 0; slot <= std::min<std::size_t>(6, size / 32); ++slot) {
    allow_refusal([&] { (void)decoder.word(slot); });
    allow_refusal([&] { (void)decoder.uint_n(slot, 8 * (1 + slot % 32)); });
    allow_refusal([&] { (void)decoder.address(slot); });
    allow_refusal([&] { (void)decoder.boolean(slot); });
    allow_refusal([&] { (void)decoder.uint256_array(slot); });
    allow_refusal([&] { (void)decoder.string(slot); });
    allow_refusal([&] {
      const Bytes b = decoder.bytes(slot);
      const Bytes encoded = AbiEncoder().bytes(b).encode();
      BSCBOT_FUZZ_CHECK(AbiDecoder(encoded, "re-encoded bytes").bytes(0) == b, hex_of(data));
    });
  }

  // Event logs: the first byte says how many 32-byte topics follow, the rest is the data; the
  // topic hashes are put in front so the mutator need not find keccak256 values.
  if (size >= 1) {
    const std::size_t topic_count = std::min<std::size_t>(bytes[0] % 5, (size - 1) / 32);
    std::vector<Bytes32> topics;
    for (std::size_t i = 0; i < topic_count; ++i) {
      Bytes32 t{};
      std::copy_n(bytes + 1 + 32 * i, 32, t.begin());
      topics.push_back(t);
    }
    const Bytes log_data(bytes + 1 + 32 * topic_count, bytes + size);
    const Address token = Address::parse("0x2222222222222222222222222222222222222222");
    const Address wbnb = Address::parse("0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c");
    const Address router = Address::parse("0x10ed43c718714eb63d5aa57b78b54704e256024e");
    Receipt receipt;
    for (const Bytes32& first : {transfer_topic(), swap_topic(), event_topic("Withdrawal(address,uint256)")}) {
      Log log{first == transfer_topic() ? token : first == swap_topic() ? router : wbnb, {first}, log_data};
      log.topics.insert(log.topics.end(), topics.begin(), topics.end());
      allow_refusal([&] { (void)decode_transfer(log); });
      allow_refusal([&] { (void)decode_swap(log); });
      receipt.logs.push_back(log);
      receipt.logs.push_back(log);  // a token may emit the same Transfer twice
    }
    // The wallet is whoever the first indexed topic names, so Transfers to it are counted.
    Address wallet;
    if (topics.size() >= 2) allow_refusal([&] { wallet = Address::from_word(topics[1]); });
    allow_refusal([&] { (void)trade::amount_received(receipt, token, wallet, false, wbnb, router); });
    allow_refusal([&] { (void)trade::amount_received(receipt, token, wallet, true, wbnb, router); });
  }
  return 0;
}
