#include "core/trade/order.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/error.hpp"

namespace bscbot::core::trade {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Token parse_token(std::string_view text, const chain::Address& wbnb) {
  const std::string l = lower(std::string(text));
  if (l == "bnb" || l == "wbnb") return Token{true, wbnb};
  if (const auto problem = chain::address_problem(text)) {
    throw Error(ErrorKind::usage, fmt::format("token '{}' is neither BNB nor an address: {}", text.substr(0, 80), *problem));
  }
  const chain::Address address = chain::Address::parse(text);
  if (address.is_zero()) throw Error(ErrorKind::usage, "the zero address is not a token");
  if (address == wbnb) return Token{true, wbnb};
  return Token{false, address};
}

std::string token_label(const Token& token) { return token.native ? "BNB" : token.address.to_hex(); }

chain::Address parse_wallet(std::string_view text, std::string_view what) {
  if (const auto problem = chain::address_problem(text)) {
    throw Error(ErrorKind::usage, fmt::format("{} '{}' is not an address: {}", what, text.substr(0, 80), *problem));
  }
  return chain::Address::parse(text);
}

SwapOrder validate(const SwapRequest& request, const EngineSettings& settings, const std::function<unsigned(const Token&)>& decimals) {
  SwapOrder order;
  order.from = parse_token(request.from, settings.contracts.wbnb);
  order.to = parse_token(request.to, settings.contracts.wbnb);
  if (order.from.address == order.to.address) throw Error(ErrorKind::usage, "from and to are the same token");
  if (request.amount.has_value() == request.amount_wei.has_value()) {
    throw Error(ErrorKind::usage, "give exactly one of amount (token units, e.g. 0.5) and amount_wei");
  }
  if (request.amount_wei) {
    const auto wei = parse_wei(*request.amount_wei);
    if (!wei) throw Error(ErrorKind::usage, fmt::format("amount_wei '{}' is not a whole number of wei", request.amount_wei->substr(0, 80)));
    order.amount_in = *wei;
  } else {
    const unsigned places = decimals(order.from);
    const auto units = parse_units(*request.amount, places);
    if (!units) {
      throw Error(ErrorKind::usage, fmt::format("amount '{}' is not a positive decimal with at most {} places", request.amount->substr(0, 80), places));
    }
    order.amount_in = *units;
  }
  if (order.amount_in == 0) throw Error(ErrorKind::usage, "amount must be greater than zero");
  order.slippage_bps = request.slippage_bps.value_or(settings.default_slippage_bps);
  if (order.slippage_bps < 0 || order.slippage_bps > 5000) throw Error(ErrorKind::usage, "slippage must be from 0 to 50 percent");
  order.deadline_seconds = request.deadline_seconds.value_or(settings.default_deadline_seconds);
  if (order.deadline_seconds < 10 || order.deadline_seconds > 86400) throw Error(ErrorKind::usage, "deadline must be from 10 seconds to 1 day");
  if (request.amount_out_min) {
    const auto floor = parse_wei(*request.amount_out_min);
    if (!floor) throw Error(ErrorKind::usage, fmt::format("amount_out_min '{}' is not a whole number of wei", request.amount_out_min->substr(0, 80)));
    order.amount_out_min = *floor;
  }
  if (request.wallet) order.wallet = parse_wallet(*request.wallet);
  return order;
}

SwapOrder order_from_trade(const db::Trade& t, const EngineSettings& settings) {
  SwapOrder order;
  order.id = t.id;
  try {
    order.from = parse_token(t.token_in, settings.contracts.wbnb);
    order.to = parse_token(t.token_out, settings.contracts.wbnb);
    order.wallet = chain::Address::parse(t.wallet_address);
  } catch (const Error& e) {
    throw Error(ErrorKind::data, fmt::format("trade {} cannot be sent: {}", t.id, e.what()));
  }
  order.amount_in = t.amount_in.value();
  order.slippage_bps = t.slippage_bps.value_or(settings.default_slippage_bps);
  order.deadline_seconds = t.deadline_seconds.value_or(settings.default_deadline_seconds);
  if (t.amount_out_min) order.amount_out_min = t.amount_out_min->value();
  return order;
}

}  // namespace bscbot::core::trade
