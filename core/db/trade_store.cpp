#include "core/db/trade_store.hpp"

#include <fmt/format.h>

#include <cctype>

#include "core/error.hpp"

namespace bscbot::core::db::trade_rules {

void check_history_limit(int limit) {
  if (limit < 1 || limit > 1000) throw Error(ErrorKind::usage, fmt::format("limit {} is out of range; use 1 to 1000", limit));
}

std::string lower(std::string_view text) {
  std::string s(text);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void derive_success_rate(TradeStats& s) {
  if (s.total > 0) s.success_rate = static_cast<double>(s.completed) * 100.0 / static_cast<double>(s.total);
}

}  // namespace bscbot::core::db::trade_rules
