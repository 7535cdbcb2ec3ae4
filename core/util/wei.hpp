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

}  // namespace bscbot::core
