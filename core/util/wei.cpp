#include "core/util/wei.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace bscbot::core {

namespace {

const U256& max_u256() {
  static const U256 max = ~U256(0);
  return max;
}

}  // namespace

std::optional<U256> parse_wei(std::string_view decimal) {
  if (decimal.empty() || decimal.size() > 90) return std::nullopt;
  U256 value = 0;
  const U256 limit_div10 = max_u256() / 10;
  for (char c : decimal) {
    if (c < '0' || c > '9') return std::nullopt;
    const unsigned digit = static_cast<unsigned>(c - '0');
    if (value > limit_div10 || (value == limit_div10 && digit > static_cast<unsigned>(max_u256() % 10))) {
      return std::nullopt;
    }
    value = value * 10 + digit;
  }
  return value;
}

U256 require_wei(std::string_view decimal, std::string_view what) {
  auto v = parse_wei(decimal);
  if (!v) {
    throw Error(ErrorKind::data, fmt::format("{} '{}' is not a whole number of wei between 0 and 2^256-1", what, decimal));
  }
  return *v;
}

std::optional<U256> parse_units(std::string_view amount, unsigned decimals) {
  const auto dot = amount.find('.');
  std::string_view whole = amount.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : amount.substr(dot + 1);
  if (whole.empty() && frac.empty()) return std::nullopt;
  if (frac.size() > decimals) return std::nullopt;
  std::string digits(whole.empty() ? "0" : whole);
  digits += frac;
  digits.append(decimals - frac.size(), '0');
  return parse_wei(digits);
}

std::string to_decimal(const U256& value) { return value.str(); }

std::optional<Wei> Wei::parse(std::string_view decimal) {
  if (decimal.empty() || decimal.size() > 90) return std::nullopt;
  for (char c : decimal) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  const auto first = decimal.find_first_not_of('0');
  const std::string_view digits = first == std::string_view::npos ? std::string_view("0") : decimal.substr(first);
  // 2^256-1 has 78 digits: shorter is always in range, 78 digits need the exact comparison.
  static constexpr std::string_view k_max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
  if (digits.size() > k_max.size() || (digits.size() == k_max.size() && digits > k_max)) return std::nullopt;
  Wei w;
  w.m_decimal.assign(digits);
  return w;
}

Wei Wei::require(std::string_view decimal, std::string_view what) {
  auto w = parse(decimal);
  if (!w) throw Error(ErrorKind::data, fmt::format("{} '{}' is not a whole number of wei between 0 and 2^256-1", what, decimal));
  return std::move(*w);
}

U256 Wei::value() const { return *parse_wei(m_decimal); }

std::string format_units(const U256& value, unsigned decimals) {
  std::string digits = value.str();
  if (decimals == 0) return digits;
  if (digits.size() <= decimals) digits.insert(0, decimals - digits.size() + 1, '0');
  std::string whole = digits.substr(0, digits.size() - decimals);
  std::string frac = digits.substr(digits.size() - decimals);
  frac.erase(frac.find_last_not_of('0') + 1);
  return frac.empty() ? whole : whole + "." + frac;
}

}  // namespace bscbot::core
