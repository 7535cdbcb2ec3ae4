// Amount parsing: the input is an amount as an operator or API client writes it ("0.5",
// "1500000000000000000", "0x1bc16d674ec80000", a JSON number). It goes through every parser of
// amounts: wei (core/util/wei), token units at 0, 6, 9, 18 and 36 decimals, slippage and gas
// multipliers (core/trade/math) with the arithmetic they feed, hex quantities, and the API's
// amount fields: the body of POST /api/v1/trading/swap (as a JSON string, and as the raw JSON
// value when it is one) and the query of GET /api/v1/quote, served by the real routes.
// Properties: whatever parses formats back to the same value; refusals are core::Error (or a
// 4xx/503 answer); the arithmetic stays within its bounds.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cctype>

#include "core/chain/hex.hpp"
#include "core/trade/math.hpp"
#include "core/util/wei.hpp"
#include "fuzz/support/daemon_fixture.hpp"
#include "fuzz/support/fuzz_support.hpp"

using namespace bscbot;
using core::U256;
using fuzz::allow_refusal;

namespace {

std::string percent_encode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

void serve(const std::string& target, const std::string& body, const std::string& token) {
  daemon::http::BeastRequest req{body.empty() ? boost::beast::http::verb::get : boost::beast::http::verb::post, target, 11};
  req.set(boost::beast::http::field::host, "localhost:10001");
  req.set(boost::beast::http::field::authorization, "Bearer " + token);
  if (!body.empty()) req.set(boost::beast::http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  const auto response = fuzz::DaemonFixture::get().serve(req, /*loopback=*/true);
  // Without a chain the routes must stop at 503 (or refuse the input with 4xx), never 500.
  BSCBOT_FUZZ_CHECK(response.status == 503 || (response.status >= 400 && response.status < 500), response.body);
  BSCBOT_FUZZ_CHECK(!nlohmann::json::parse(response.body, nullptr, false).is_discarded(), response.body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(fuzz::as_text(data, size));

  // Wei: canonical decimal text, what the database stores.
  const auto wei = core::parse_wei(text);
  if (wei) {
    const std::string canonical = core::to_decimal(*wei);
    BSCBOT_FUZZ_CHECK(core::parse_wei(canonical) == wei, text);
    const auto first = text.find_first_not_of('0');
    BSCBOT_FUZZ_CHECK(canonical == (first == std::string::npos ? "0" : text.substr(first)), text);
  }
  bool required = false;
  allow_refusal([&] { required = core::require_wei(text, "amount_wei") == wei; });
  BSCBOT_FUZZ_CHECK(required == wei.has_value(), text);

  // Token units, at the decimals real tokens have.
  for (unsigned decimals : {0u, 6u, 9u, 18u, 36u}) {
    if (const auto units = core::parse_units(text, decimals)) {
      const std::string shown = core::format_units(*units, decimals);
      BSCBOT_FUZZ_CHECK(core::parse_units(shown, decimals) == units, text + " -> " + shown);
      BSCBOT_FUZZ_CHECK(shown.find('.') == std::string::npos || shown.back() != '0', shown);
    }
  }

  // Slippage and gas-price multiplier, and the amounts they produce.
  const U256 quote = wei.value_or(U256(1'000'000'000'000'000'000ull));
  allow_refusal([&] {
    const auto bps = core::trade::parse_slippage_bps(text);
    BSCBOT_FUZZ_CHECK(bps >= 0 && bps <= 5000, text);
    BSCBOT_FUZZ_CHECK(core::trade::min_amount_out(quote, bps) <= quote, text);
  });
  allow_refusal([&] {
    const auto bps = core::trade::parse_multiplier_bps(text);
    BSCBOT_FUZZ_CHECK(bps >= 1000 && bps <= 100000, text);
    allow_refusal([&] { (void)core::trade::apply_multiplier(quote, bps); });
  });
  allow_refusal([&] { (void)core::trade::gas_fee(static_cast<std::uint64_t>(size) * 21000, quote); });

  // Hex quantities, as nodes send balances and prices.
  allow_refusal([&] {
    const U256 q = core::chain::parse_quantity(text);
    BSCBOT_FUZZ_CHECK(core::chain::parse_quantity(core::chain::to_quantity(q)) == q, text);
  });

  // The API's amount fields, through the real routes (the JSON body and the query string).
  if (size <= 4096) {
    static const std::string trader = fuzz::DaemonFixture::get().token(core::auth::Role::trader);
    const std::string target = "0x2222222222222222222222222222222222222222";
    nlohmann::json body = {{"from", "BNB"}, {"to", target}, {"amount", text}, {"slippage", "0.5"}};
    if (!nlohmann::json::parse(text, nullptr, false).is_discarded()) {
      // Only when it is valid UTF-8 JSON; other text is covered by the string form.
      body["amount"] = nlohmann::json::parse(text);
      serve("/api/v1/trading/swap", body.dump(), trader);
      body["amount"] = text;
    }
    serve("/api/v1/trading/swap", body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), trader);
    serve("/api/v1/quote?from=BNB&to=" + target + "&amount=" + percent_encode(text), "", trader);
    serve("/api/v1/quote?from=BNB&to=" + target + "&amount_wei=" + percent_encode(text) + "&slippage=" + percent_encode(text), "",
          trader);
  }
  return 0;
}
