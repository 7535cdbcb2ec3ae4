#pragma once
// uint256 amounts in wei. Stored in the database as canonical decimal text (digits, no leading
// zeros) so nothing is lost; arithmetic and comparisons go through Boost.Multiprecision.
#include <boost/multiprecision/cpp_int.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace bscbot::core {

using U256 = boost::multiprecision::checked_uint256_t;

// Parses canonical or zero-padded decimal wei; nullopt for anything else or above 2^256-1.
std::optional<U256> parse_wei(std::string_view decimal);

// Parses wei, throwing core::Error(data) that names `what` and the text.
U256 require_wei(std::string_view decimal, std::string_view what);

// Parses a decimal token amount ("1.5") into base units with `decimals` places; nullopt when
// malformed, negative, too precise or out of range.
std::optional<U256> parse_units(std::string_view amount, unsigned decimals);

// Formats base units as a decimal token amount ("1.5"), trailing zeros trimmed.
std::string format_units(const U256& value, unsigned decimals);

std::string to_decimal(const U256& value);

// An amount of wei as it crosses the storage interface and the JSON API: canonical decimal
// text (digits, no leading zeros), checked once when made, so rows pass through without a
// round trip to a 256-bit integer and back, and arithmetic asks for value().
class Wei {
public:
  Wei() : m_decimal("0") {}
  explicit Wei(const U256& value) : m_decimal(to_decimal(value)) {}

  // Canonical or zero-padded decimal wei; nullopt for anything else or above 2^256-1.
  static std::optional<Wei> parse(std::string_view decimal);
  // As parse(), throwing core::Error(data) that names `what` and the text.
  static Wei require(std::string_view decimal, std::string_view what);

  const std::string& decimal() const { return m_decimal; }
  U256 value() const;
  bool is_zero() const { return m_decimal == "0"; }

  friend bool operator==(const Wei& a, const Wei& b) { return a.m_decimal == b.m_decimal; }
  // Numeric order (canonical text: longer is larger, equal lengths compare as text).
  friend bool operator<(const Wei& a, const Wei& b) {
    return a.m_decimal.size() != b.m_decimal.size() ? a.m_decimal.size() < b.m_decimal.size() : a.m_decimal < b.m_decimal;
  }

private:
  std::string m_decimal;
};

}  // namespace bscbot::core
