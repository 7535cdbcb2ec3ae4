// What a client's swap request must be before the engine takes it: each refusal names what is
// wrong (the API answers it as a 400), and what is accepted is exact (wei, basis points).
#include <doctest/doctest.h>

#include "core/error.hpp"
#include "core/trade/order.hpp"

using namespace bscbot::core;
using namespace bscbot::core::trade;

namespace {

const chain::Address k_wbnb = chain::Address::parse("0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c");
const std::string k_cake = "0x0e09fabb73bd3ade0a17ecc321fd13a19e81ce82";

SwapRequest bnb_to_cake(const char* amount = "0.5") {
  SwapRequest r;
  r.from = "BNB";
  r.to = k_cake;
  r.amount = amount;
  return r;
}

EngineSettings settings() {
  EngineSettings s;
  s.contracts.wbnb = k_wbnb;
  return s;
}

std::string refusal(const SwapRequest& r) {
  try {
    validate(r, settings(), [](const Token&) { return 18u; });
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::usage);
    return e.what();
  }
  return "accepted";
}

}  // namespace

TEST_SUITE("trade") {

TEST_CASE("order: a swap request becomes exact amounts, the defaults filled in") {
  const SwapOrder o = validate(bnb_to_cake("0.5"), settings(), [](const Token&) { return 18u; });
  CHECK(o.from.native);
  CHECK(o.from.address == k_wbnb);
  CHECK(o.to.address.to_hex() == k_cake);
  CHECK(o.amount_in == U256("500000000000000000"));
  CHECK(o.slippage_bps == settings().default_slippage_bps);
  CHECK(o.deadline_seconds == settings().default_deadline_seconds);
  CHECK_FALSE(o.wallet.has_value());
  // WBNB by address is BNB; a token's own decimals scale its amount.
  SwapRequest r = bnb_to_cake("1.5");
  r.from = k_cake;
  r.to = k_wbnb.to_checksum();
  const SwapOrder back = validate(r, settings(), [](const Token&) { return 6u; });
  CHECK(back.to.native);
  CHECK(back.amount_in == U256(1500000));
}

TEST_CASE("order: every refusal names what is wrong") {
  auto r = bnb_to_cake();
  r.amount_wei = "1000";
  CHECK(refusal(r).find("exactly one of amount") != std::string::npos);
  r = bnb_to_cake();
  r.amount.reset();
  CHECK(refusal(r).find("exactly one of amount") != std::string::npos);
  CHECK(refusal(bnb_to_cake("0")).find("greater than zero") != std::string::npos);
  CHECK(refusal(bnb_to_cake("-1")).find("is not a positive decimal") != std::string::npos);
  CHECK(refusal(bnb_to_cake("0.0000000000000000001")).find("at most 18 places") != std::string::npos);
  r = bnb_to_cake();
  r.to = "CAKE";
  CHECK(refusal(r).find("token 'CAKE' is neither BNB nor an address") != std::string::npos);
  r.to = "0x0000000000000000000000000000000000000000";
  CHECK(refusal(r).find("zero address") != std::string::npos);
  r.to = "WBNB";
  CHECK(refusal(r).find("same token") != std::string::npos);
  r = bnb_to_cake();
  r.slippage_bps = 5001;
  CHECK(refusal(r).find("slippage must be from 0 to 50 percent") != std::string::npos);
  r = bnb_to_cake();
  r.deadline_seconds = 5;
  CHECK(refusal(r).find("deadline must be from 10 seconds") != std::string::npos);
  r = bnb_to_cake();
  r.amount_out_min = "1e18";
  CHECK(refusal(r).find("amount_out_min '1e18' is not a whole number of wei") != std::string::npos);
  r = bnb_to_cake();
  r.wallet = "0x123";
  CHECK(refusal(r).find("wallet '0x123' is not an address") != std::string::npos);
}

TEST_CASE("order: the one address rule: any case, or a checksum that must be right") {
  const std::string lower = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
  CHECK(parse_wallet(lower).to_hex() == lower);
  CHECK(parse_wallet("0x70997970C51812dc3A010C7d01b50e0d17dc79C8").to_hex() == lower);
  CHECK(parse_wallet("0x70997970C51812DC3A010C7D01B50E0D17DC79C8").to_hex() == lower);
  // Mixed case is a checksum: one wrong letter is a typo, not another wallet.
  CHECK_THROWS_WITH_AS(parse_wallet("0x70997970C51812dc3A010C7d01b50e0d17dc79c8", "--wallet"), doctest::Contains("--wallet"), Error);
}

}  // TEST_SUITE
