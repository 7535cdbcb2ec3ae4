#include "core/db/trade_json.hpp"

#include "core/error.hpp"

namespace bscbot::core::db {

namespace {

template <typename T>
nlohmann::json opt(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json opt(const std::optional<Wei>& v) { return v ? nlohmann::json(v->decimal()) : nlohmann::json(nullptr); }

// Times as the manual's sqlite3 shows them: "YYYY-MM-DD HH:MM:SS" UTC, on either backend.
nlohmann::json opt(const std::optional<SystemTime>& t) { return t ? nlohmann::json(to_sql_datetime(*t)) : nlohmann::json(nullptr); }

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
  j["amount_in"] = t.amount_in.decimal();
  j["amount_out"] = opt(t.amount_out);
  j["amount_out_min"] = opt(t.amount_out_min);
  j["quoted_amount_out"] = opt(t.quoted_amount_out);
  j["path"] = t.path;
  j["slippage_bps"] = opt(t.slippage_bps);
  j["deadline"] = opt(t.deadline);
  j["deadline_seconds"] = opt(t.deadline_seconds);
  j["gas_limit"] = opt(t.gas_limit);
  j["gas_price"] = opt(t.gas_price);
  j["gas_used"] = opt(t.gas_used);
  j["gas_fee"] = opt(t.gas_fee);
  j["nonce"] = opt(t.nonce);
  j["chain_id"] = opt(t.chain_id);
  j["block_number"] = opt(t.block_number);
  j["status"] = std::string(to_string(t.status));
  j["error"] = opt(t.error);
  j["operator_request"] = opt(t.operator_request);
  j["created_at"] = to_sql_datetime(t.created_at);
  j["updated_at"] = to_sql_datetime(t.updated_at);
  j["finalized_at"] = opt(t.finalized_at);
}

Trade trade_from_json(const nlohmann::json& j) {
  try {
    auto opt_s = [&](const char* k) { return j.at(k).is_null() ? std::optional<std::string>() : std::optional<std::string>(j.at(k).get<std::string>()); };
    auto opt_i = [&](const char* k) { return j.at(k).is_null() ? std::optional<std::int64_t>() : std::optional<std::int64_t>(j.at(k).get<std::int64_t>()); };
    auto opt_w = [&](const char* k) { return j.at(k).is_null() ? std::optional<Wei>() : std::optional<Wei>(Wei::require(j.at(k).get<std::string>(), k)); };
    auto opt_t = [&](const char* k) {
      return j.at(k).is_null() ? std::optional<SystemTime>() : std::optional<SystemTime>(parse_sql_datetime(j.at(k).get<std::string>()));
    };
    Trade t;
    t.id = j.at("id").get<std::int64_t>();
    t.tx_hash = opt_s("tx_hash");
    t.wallet_address = j.at("wallet_address").get<std::string>();
    t.token_in = j.at("token_in").get<std::string>();
    t.token_out = j.at("token_out").get<std::string>();
    t.amount_in = Wei::require(j.at("amount_in").get<std::string>(), "amount_in");
    t.amount_out = opt_w("amount_out");
    t.amount_out_min = opt_w("amount_out_min");
    t.quoted_amount_out = opt_w("quoted_amount_out");
    t.path = j.at("path").get<std::string>();
    t.slippage_bps = opt_i("slippage_bps");
    t.deadline = opt_i("deadline");
    t.deadline_seconds = opt_i("deadline_seconds");
    t.gas_limit = opt_i("gas_limit");
    t.gas_price = opt_w("gas_price");
    t.gas_used = opt_i("gas_used");
    t.gas_fee = opt_w("gas_fee");
    t.nonce = opt_i("nonce");
    t.chain_id = opt_i("chain_id");
    t.block_number = opt_i("block_number");
    t.status = parse_trade_status(j.at("status").get<std::string>()).value_or(TradeStatus::pending);
    t.error = opt_s("error");
    t.operator_request = opt_s("operator_request");
    t.created_at = parse_sql_datetime(j.at("created_at").get<std::string>());
    t.updated_at = parse_sql_datetime(j.at("updated_at").get<std::string>());
    t.finalized_at = opt_t("finalized_at");
    return t;
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::data, std::string("the daemon's trade is not what this bscbot expects: ") + e.what());
  }
}

}  // namespace bscbot::core::db
