#pragma once
// A trade record as the `trades` table holds it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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
  std::string amount_in;                     // wei, decimal
  std::optional<std::string> amount_out;     // wei received, from the receipt
  std::optional<std::string> amount_out_min; // wei, from the quote and slippage
  std::optional<std::string> quoted_amount_out;
  std::string path;                          // comma-separated token addresses
  std::optional<std::int64_t> slippage_bps;
  std::optional<std::int64_t> deadline;      // unix seconds
  std::optional<std::int64_t> gas_limit;
  std::optional<std::string> gas_price;      // wei
  std::optional<std::int64_t> gas_used;
  std::optional<std::string> gas_fee;        // wei = gas_used * gas_price
  std::optional<std::int64_t> nonce;
  std::optional<std::int64_t> chain_id;
  std::optional<std::int64_t> block_number;
  TradeStatus status = TradeStatus::pending;
  std::optional<std::string> error;
  std::string created_at;                    // "YYYY-MM-DD HH:MM:SS" UTC
  std::string updated_at;
  std::optional<std::string> finalized_at;
};

// What a caller supplies to record a new trade; the rest is filled as it progresses.
struct NewTrade {
  std::string wallet_address;
  std::string token_in;
  std::string token_out;
  std::string amount_in;
  std::string path;
  std::optional<std::string> amount_out_min;
  std::optional<std::string> quoted_amount_out;
  std::optional<std::int64_t> slippage_bps;
  std::optional<std::int64_t> deadline;
  std::optional<std::int64_t> chain_id;
  // Set only when importing or seeding historical records; normally the database's now.
  std::optional<std::string> created_at;
};

}  // namespace bscbot::core::db
