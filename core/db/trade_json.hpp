#pragma once
// The JSON shape of a trade, shared by the API and `bscbot trade ... --json`. Amounts stay
// decimal strings: JSON numbers would lose precision above 2^53.
#include <nlohmann/json.hpp>

#include "core/db/trade.hpp"

namespace bscbot::core::db {

void to_json(nlohmann::json& j, const Trade& t);

// The inverse, for the CLI reading the daemon's answers; throws core::Error(data) naming a
// missing or malformed field.
Trade trade_from_json(const nlohmann::json& j);

}  // namespace bscbot::core::db
