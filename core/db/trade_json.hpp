#pragma once
// The JSON shape of a trade, shared by the API and `bscbot trade ... --json`. Amounts stay
// decimal strings: JSON numbers would lose precision above 2^53.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/db/trade.hpp"

namespace bscbot::core::db {

// The one writer of a trade's JSON: appends the object to `out` as text, straight from the row
// (no DOM), in the bytes nlohmann's dump() gives the same object (keys in order, its escaping),
// so the history route answers byte for byte what it answered before it wrote text itself.
void append_trade_json(std::string& out, const Trade& t);

// `trades` as a JSON array of append_trade_json's objects.
void append_trades_json(std::string& out, const std::vector<Trade>& trades);

// The same object as a DOM, for answers that embed a trade among other fields.
void to_json(nlohmann::json& j, const Trade& t);

// The inverse, for the CLI reading the daemon's answers; throws core::Error(data) naming a
// missing or malformed field.
Trade trade_from_json(const nlohmann::json& j);

}  // namespace bscbot::core::db
