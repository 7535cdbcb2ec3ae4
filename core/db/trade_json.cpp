#include "core/db/trade_json.hpp"

namespace bscbot::core::db {

namespace {

template <typename T>
nlohmann::json opt(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

void to_json(nlohmann::json& j, const Trade& t) {
  j = {
      {"id", t.id},
      {"tx_hash", opt(t.tx_hash)},
      {"wallet_address", t.wallet_address},
      {"token_in", t.token_in},
      {"token_out", t.token_out},
      {"amount_in", t.amount_in},
      {"amount_out", opt(t.amount_out)},
      {"amount_out_min", opt(t.amount_out_min)},
      {"quoted_amount_out", opt(t.quoted_amount_out)},
      {"path", t.path},
      {"slippage_bps", opt(t.slippage_bps)},
      {"deadline", opt(t.deadline)},
      {"gas_limit", opt(t.gas_limit)},
      {"gas_price", opt(t.gas_price)},
      {"gas_used", opt(t.gas_used)},
      {"gas_fee", opt(t.gas_fee)},
      {"nonce", opt(t.nonce)},
      {"chain_id", opt(t.chain_id)},
      {"block_number", opt(t.block_number)},
      {"status", std::string(to_string(t.status))},
      {"error", opt(t.error)},
      {"created_at", t.created_at},
      {"updated_at", t.updated_at},
      {"finalized_at", opt(t.finalized_at)},
  };
}

}  // namespace bscbot::core::db
