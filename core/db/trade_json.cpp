#include "core/db/trade_json.hpp"

namespace bscbot::core::db {

namespace {

template <typename T>
nlohmann::json opt(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

// Fields are set one by one: nlohmann's initializer-list form builds and copies a
// temporary array per field, which made this the history route's largest cost.
void to_json(nlohmann::json& j, const Trade& t) {
  j = nlohmann::json::object();
  j["id"] = t.id;
  j["tx_hash"] = opt(t.tx_hash);
  j["wallet_address"] = t.wallet_address;
  j["token_in"] = t.token_in;
  j["token_out"] = t.token_out;
  j["amount_in"] = t.amount_in;
  j["amount_out"] = opt(t.amount_out);
  j["amount_out_min"] = opt(t.amount_out_min);
  j["quoted_amount_out"] = opt(t.quoted_amount_out);
  j["path"] = t.path;
  j["slippage_bps"] = opt(t.slippage_bps);
  j["deadline"] = opt(t.deadline);
  j["gas_limit"] = opt(t.gas_limit);
  j["gas_price"] = opt(t.gas_price);
  j["gas_used"] = opt(t.gas_used);
  j["gas_fee"] = opt(t.gas_fee);
  j["nonce"] = opt(t.nonce);
  j["chain_id"] = opt(t.chain_id);
  j["block_number"] = opt(t.block_number);
  j["status"] = std::string(to_string(t.status));
  j["error"] = opt(t.error);
  j["created_at"] = t.created_at;
  j["updated_at"] = t.updated_at;
  j["finalized_at"] = opt(t.finalized_at);
}

}  // namespace bscbot::core::db
