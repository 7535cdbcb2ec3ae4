#include "core/db/table_io.hpp"

#include <fmt/format.h>

#include "core/util/clock.hpp"

namespace bscbot::core::db {

const std::vector<TableSpec>& copied_tables() {
  using T = ColumnType;
  static const std::vector<TableSpec> tables = {
      {"users",
       {{"id", T::integer}, {"username", T::text}, {"email", T::text}, {"role", T::text}, {"password_hash", T::text},
        {"created_at", T::time}, {"updated_at", T::time}},
       true},
      {"wallets",
       {{"id", T::integer}, {"user_id", T::integer}, {"address", T::text}, {"label", T::text}, {"is_active", T::integer},
        {"created_at", T::time}, {"updated_at", T::time}},
       true},
      {"trades",
       {{"id", T::integer},          {"tx_hash", T::text},      {"wallet_address", T::text}, {"token_in", T::text},
        {"token_out", T::text},      {"amount_in", T::wei},     {"amount_out", T::wei},      {"amount_out_min", T::wei},
        {"quoted_amount_out", T::wei}, {"path", T::text},       {"slippage_bps", T::integer}, {"deadline", T::integer},
        {"gas_limit", T::integer},   {"gas_price", T::wei},     {"gas_used", T::integer},    {"gas_fee", T::wei},
        {"nonce", T::integer},       {"chain_id", T::integer},  {"block_number", T::integer}, {"status", T::text},
        {"error", T::text},          {"created_at", T::time},   {"updated_at", T::time},     {"finalized_at", T::time},
        {"deadline_seconds", T::integer}, {"claimed_epoch", T::integer}, {"operator_request", T::text}},
       true},
      // Every hash a trade was sent under, with its signed bytes (migration 5). The wallet leases
      // are not copied: they belong to the daemons running on the source.
      {"trade_transactions",
       {{"id", T::integer}, {"wallet_address", T::text}, {"nonce", T::integer}, {"tx_hash", T::text}, {"trade_id", T::integer},
        {"kind", T::text}, {"gas_price", T::wei}, {"raw_tx", T::text}, {"epoch", T::integer}, {"state", T::text},
        {"block_number", T::integer}, {"created_at", T::time}, {"updated_at", T::time}},
       true},
      {"daemon_state", {{"key", T::text}, {"value", T::text}, {"updated_at", T::time}}, false},
      {"metric_samples", {{"sampled_at", T::time}, {"name", T::text}, {"value", T::real}}, false},
  };
  return tables;
}

std::string canonical_time(std::string_view text) { return to_sql_datetime(parse_sql_datetime(std::string(text))); }

std::string canonical_real(double value) { return fmt::format("{}", value); }

}  // namespace bscbot::core::db
