#pragma once
// A trade record as the `trades` table holds it, in our own types: amounts as exact wei, times
// as UTC instants. Each backend converts to and from its column types (decimal text and
// datetime() text in SQLite, NUMERIC(78,0) and timestamptz in PostgreSQL).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/util/clock.hpp"
#include "core/util/wei.hpp"

namespace bscbot::core::db {

enum class TradeStatus { pending, completed, failed };

std::string_view to_string(TradeStatus s);
// Parses "pending", "completed" or "failed"; nullopt otherwise.
std::optional<TradeStatus> parse_trade_status(std::string_view s);

struct Trade {
  std::int64_t id = 0;
  std::optional<std::string> tx_hash;
  std::string wallet_address;
  std::string token_in;
  std::string token_out;
  Wei amount_in;
  std::optional<Wei> amount_out;             // received, from the receipt
  std::optional<Wei> amount_out_min;         // from the quote and slippage
  std::optional<Wei> quoted_amount_out;
  std::string path;                          // comma-separated token addresses
  std::optional<std::int64_t> slippage_bps;
  std::optional<std::int64_t> deadline;      // unix seconds, set when signed
  std::optional<std::int64_t> deadline_seconds;  // asked for: deadline = time of sending + this
  std::optional<std::int64_t> gas_limit;
  std::optional<Wei> gas_price;
  std::optional<std::int64_t> gas_used;
  std::optional<Wei> gas_fee;                // gas_used * gas_price
  std::optional<std::int64_t> nonce;
  std::optional<std::int64_t> chain_id;
  std::optional<std::int64_t> block_number;
  TradeStatus status = TradeStatus::pending;
  std::optional<std::string> error;
  std::optional<std::string> operator_request;  // "cancel" or "speed_up", while pending
  SystemTime created_at;
  SystemTime updated_at;
  std::optional<SystemTime> finalized_at;
};

// What a caller supplies to record a new trade; the rest is filled as it progresses.
struct NewTrade {
  std::string wallet_address;
  std::string token_in;
  std::string token_out;
  Wei amount_in;
  std::string path;
  std::optional<Wei> amount_out_min;
  std::optional<Wei> quoted_amount_out;
  std::optional<std::int64_t> slippage_bps;
  std::optional<std::int64_t> deadline;
  std::optional<std::int64_t> deadline_seconds;
  std::optional<std::int64_t> chain_id;
  // Set only when importing or seeding historical records; normally the database's now.
  std::optional<SystemTime> created_at;
};

}  // namespace bscbot::core::db
