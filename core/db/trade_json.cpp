#include "core/db/trade_json.hpp"

#include "core/error.hpp"
#include "core/util/json_writer.hpp"

namespace bscbot::core::db {

namespace {

// A member whose value is one of a trade's own types: amounts and times as text.
void text(JsonWriter& w, std::string_view key, const Wei& v) { w.key(key).value(v.decimal()); }
void text(JsonWriter& w, std::string_view key, SystemTime t) { w.key(key).value(sql_datetime(t).view()); }  // as sqlite3 shows them, on either backend
template <typename T>
void text(JsonWriter& w, std::string_view key, const std::optional<T>& v) {
  if (v) text(w, key, *v);
  else w.key(key).value(nullptr);
}

}  // namespace

void append_trade_json(std::string& out, const Trade& t) {
  JsonWriter w(out);
  w.begin_object();
  text(w, "amount_in", t.amount_in);
  text(w, "amount_out", t.amount_out);
  text(w, "amount_out_min", t.amount_out_min);
  w.key("block_number").value(t.block_number);
  w.key("chain_id").value(t.chain_id);
  text(w, "created_at", t.created_at);
  w.key("deadline").value(t.deadline);
  w.key("deadline_seconds").value(t.deadline_seconds);
  w.key("error").value(t.error);
  text(w, "finalized_at", t.finalized_at);
  text(w, "gas_fee", t.gas_fee);
  w.key("gas_limit").value(t.gas_limit);
  text(w, "gas_price", t.gas_price);
  w.key("gas_used").value(t.gas_used);
  w.key("id").value(t.id);
  w.key("nonce").value(t.nonce);
  w.key("operator_request").value(t.operator_request);
  w.key("path").value(t.path);
  text(w, "quoted_amount_out", t.quoted_amount_out);
  w.key("slippage_bps").value(t.slippage_bps);
  w.key("status").value(to_string(t.status));
  w.key("token_in").value(t.token_in);
  w.key("token_out").value(t.token_out);
  w.key("tx_hash").value(t.tx_hash);
  text(w, "updated_at", t.updated_at);
  w.key("wallet_address").value(t.wallet_address);
  w.end_object();
}

void append_trades_json(std::string& out, const std::vector<Trade>& trades) {
  out += '[';
  for (std::size_t i = 0; i < trades.size(); ++i) {
    if (i) out += ',';
    append_trade_json(out, trades[i]);
  }
  out += ']';
}

void to_json(nlohmann::json& j, const Trade& t) {
  std::string text;
  append_trade_json(text, t);
  j = nlohmann::json::parse(text);
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
