#include "core/trade/quoter.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"
#include "core/trade/failure.hpp"
#include "core/trade/math.hpp"
#include "core/trade/outcome.hpp"

namespace bscbot::core::trade {

using chain::Address;
using nlohmann::json;

std::string join_path(const std::vector<Address>& path) {
  std::string out;
  for (const Address& a : path) {
    if (!out.empty()) out += ',';
    out += a.to_hex();
  }
  return out;
}

json to_json(const Quote& q) {
  json path = json::array();
  for (const Address& a : q.path) path.push_back(a.to_hex());
  json j = {
      {"from", token_label(q.from)},
      {"to", token_label(q.to)},
      {"path", path},
      {"amount_in", to_decimal(q.amount_in)},
      {"amount_in_units", format_units(q.amount_in, q.decimals_in)},
      {"amount_out", to_decimal(q.amount_out)},
      {"amount_out_units", format_units(q.amount_out, q.decimals_out)},
      {"amount_out_min", to_decimal(q.amount_out_min)},
      {"amount_out_min_units", format_units(q.amount_out_min, q.decimals_out)},
      {"decimals_in", q.decimals_in},
      {"decimals_out", q.decimals_out},
      {"slippage_bps", q.slippage_bps},
      {"deadline_seconds", q.deadline_seconds},
      {"node_gas_price", to_decimal(q.node_gas_price)},
      {"gas_price", to_decimal(q.gas_price)},
      {"gas_limit", q.gas_limit},
      {"gas_estimated", q.gas_estimated},
      {"max_gas_fee", to_decimal(gas_fee(q.gas_limit, q.gas_price))},
      {"mid_price", q.mid_price ? json(*q.mid_price) : json(nullptr)},
      {"price_impact_pct", q.price_impact_pct ? json(*q.price_impact_pct) : json(nullptr)},
      {"prices_stale", q.prices_stale},
  };
  if (!q.price_note.empty()) j["price_note"] = q.price_note;
  if (q.wallet) {
    j["wallet"] = q.wallet->to_hex();
    if (q.balance_in) j["balance_in"] = to_decimal(*q.balance_in);
    if (q.bnb_balance) j["bnb_balance"] = to_decimal(*q.bnb_balance);
    if (q.needs_approval) j["needs_approval"] = *q.needs_approval;
    j["problems"] = q.problems;
  }
  return j;
}

Quoter::Quoter(const EngineSettings& settings, chain::Eth& eth, PriceCache& prices, std::function<void(const PairPrice&)> on_price)
    : m_settings(settings), m_eth(eth), m_pancake(eth, settings.contracts), m_prices(prices), m_on_price(std::move(on_price)) {}

unsigned Quoter::decimals_of(const Token& token) {
  if (token.native) return 18;
  const std::string key = token.address.to_hex();
  {
    std::lock_guard lock(m_mutex);
    if (auto it = m_decimals.find(key); it != m_decimals.end()) return it->second;
  }
  const unsigned d = m_pancake.decimals(token.address);
  std::lock_guard lock(m_mutex);
  m_decimals[key] = d;
  return d;
}

TokenInfo Quoter::token_info(const Address& token) {
  TokenInfo info{token, std::nullopt, decimals_of(Token{false, token})};
  const std::string key = token.to_hex();
  {
    std::lock_guard lock(m_mutex);
    if (auto it = m_symbols.find(key); it != m_symbols.end()) {
      info.symbol = it->second;
      return info;
    }
  }
  try {
    info.symbol = m_pancake.symbol(token);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::data) throw;  // an RPC failure is tried again next time; a token without symbol() is not
  }
  std::lock_guard lock(m_mutex);
  m_symbols[key] = info.symbol;
  return info;
}

SwapOrder Quoter::validate(const SwapRequest& request) {
  return trade::validate(request, m_settings, [this](const Token& t) { return decimals_of(t); });
}

std::vector<Address> Quoter::choose_path(const Token& from, const Token& to) const {
  const Address wbnb = m_settings.contracts.wbnb;
  if (from.native || to.native || !m_pancake.get_pair(from.address, to.address).is_zero()) return {from.address, to.address};
  if (!m_pancake.get_pair(from.address, wbnb).is_zero() && !m_pancake.get_pair(wbnb, to.address).is_zero()) {
    return {from.address, wbnb, to.address};
  }
  throw TradeFailure(FailureReason::insufficient_liquidity,
                     fmt::format("no PancakeSwap pair for {} and {}, direct or through WBNB", from.address.to_hex(), to.address.to_hex()));
}

Plan Quoter::plan(const SwapOrder& order) const {
  Plan p;
  p.path = choose_path(order.from, order.to);
  try {
    p.amount_out = m_pancake.get_amounts_out(order.amount_in, p.path).back();
  } catch (const chain::RpcError& e) {
    if (!e.is_revert()) throw;
    throw TradeFailure(FailureReason::insufficient_liquidity,
                       fmt::format("the router cannot quote {} ({})", join_path(p.path), revert_reason(e).value_or("reverted")));
  }
  if (p.amount_out == 0) throw TradeFailure(FailureReason::insufficient_liquidity, "the router quotes zero output");
  p.amount_out_min = min_amount_out(p.amount_out, order.slippage_bps);
  if (order.amount_out_min) {
    if (*order.amount_out_min > p.amount_out) {
      throw TradeFailure(FailureReason::slippage, fmt::format("the router quotes {} but at least {} is required", to_decimal(p.amount_out),
                                                              to_decimal(*order.amount_out_min)));
    }
    p.amount_out_min = std::max(p.amount_out_min, *order.amount_out_min);
  }
  return p;
}

std::pair<U256, U256> Quoter::gas_price() const {
  const U256 node = m_eth.gas_price();
  return {node, apply_multiplier(node, m_settings.gas_multiplier_bps)};
}

Quote Quoter::quote(const SwapOrder& order, const std::optional<Address>& wallet) {
  const Plan p = plan(order);
  Quote q;
  q.from = order.from;
  q.to = order.to;
  q.path = p.path;
  q.amount_in = order.amount_in;
  q.amount_out = p.amount_out;
  q.amount_out_min = p.amount_out_min;
  q.decimals_in = decimals_of(order.from);
  q.decimals_out = decimals_of(order.to);
  q.slippage_bps = order.slippage_bps;
  q.deadline_seconds = order.deadline_seconds;
  std::tie(q.node_gas_price, q.gas_price) = gas_price();
  q.gas_price = std::min(q.gas_price, m_settings.gas_price_max);
  q.gas_limit = m_settings.default_gas_limit;
  // The mid price from cached reserves, hop by hop: what the manual's price cache is for.
  try {
    double ratio = 1.0;
    bool stale = false;
    for (std::size_t i = 0; i + 1 < p.path.size(); ++i) {
      const PriceLookup look = m_prices.lookup(p.path[i], p.path[i + 1]);
      stale = stale || look.stale;
      const bool forward = look.price.token0 == p.path[i];
      const U256& r_in = forward ? look.price.reserve0 : look.price.reserve1;
      const U256& r_out = forward ? look.price.reserve1 : look.price.reserve0;
      if (r_in == 0) throw Error(ErrorKind::data, "empty reserves");
      ratio *= r_out.convert_to<double>() / r_in.convert_to<double>();
      if (!look.hit && !look.stale && m_on_price) m_on_price(look.price);
    }
    q.mid_price = ratio * std::pow(10.0, static_cast<double>(q.decimals_in) - static_cast<double>(q.decimals_out));
    const double ideal = q.amount_in.convert_to<double>() * ratio;
    if (ideal > 0) q.price_impact_pct = (1.0 - q.amount_out.convert_to<double>() / ideal) * 100.0;
    q.prices_stale = stale;
    if (stale) q.price_note = "mid price from reserves older than PRICE_CACHE_TTL_MS: the price request budget is spent";
  } catch (const Error& e) {
    q.price_note = e.what();
  }
  if (wallet) {
    q.wallet = wallet;
    q.bnb_balance = m_eth.get_balance(*wallet);
    const U256 max_fee = gas_fee(q.gas_limit, q.gas_price);
    if (order.from.native) {
      q.balance_in = q.bnb_balance;
      q.needs_approval = false;
      if (*q.bnb_balance < q.amount_in + max_fee) {
        q.problems.push_back(fmt::format("insufficient balance: {} wei of BNB held, {} needed with gas", to_decimal(*q.bnb_balance),
                                         to_decimal(q.amount_in + max_fee)));
      }
    } else {
      q.balance_in = m_pancake.balance_of(order.from.address, *wallet);
      q.needs_approval = m_pancake.allowance(order.from.address, *wallet, m_settings.contracts.router) < q.amount_in;
      if (*q.balance_in < q.amount_in) {
        q.problems.push_back(fmt::format("insufficient balance: {} held of {}, {} needed", to_decimal(*q.balance_in),
                                         order.from.address.to_hex(), to_decimal(q.amount_in)));
      }
      if (*q.bnb_balance < max_fee) q.problems.push_back("insufficient balance: not enough BNB for gas");
    }
  }
  return q;
}

}  // namespace bscbot::core::trade
