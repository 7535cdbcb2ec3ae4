#include "core/db/trade_json.hpp"

#include <fmt/format.h>

#include <charconv>

#include "core/error.hpp"

namespace bscbot::core::db {

namespace {

// JSON text as nlohmann's dump(-1, ' ', false, replace) writes it.
class Writer {
public:
  explicit Writer(std::string& out) : m_out(out) {}

  // Keys must come in nlohmann's (sorted) order; the caller writes them so.
  Writer& key(std::string_view k) {
    m_out += m_first ? "{\"" : ",\"";
    m_first = false;
    m_out += k;
    m_out += "\":";
    return *this;
  }
  void end() { m_out += m_first ? "{}" : "}"; }

  void value(std::string_view s) {
    // Bytes above 0x7f may be invalid UTF-8 (an error text from a node): nlohmann decides how
    // they are replaced, so such a string goes through it; everything else is copied here.
    for (const char c : s) {
      if (static_cast<unsigned char>(c) >= 0x80) {
        m_out += nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        return;
      }
    }
    m_out += '"';
    for (const char c : s) {
      switch (c) {
        case '"': m_out += "\\\""; break;
        case '\\': m_out += "\\\\"; break;
        case '\b': m_out += "\\b"; break;
        case '\f': m_out += "\\f"; break;
        case '\n': m_out += "\\n"; break;
        case '\r': m_out += "\\r"; break;
        case '\t': m_out += "\\t"; break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            m_out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
          } else {
            m_out += c;
          }
      }
    }
    m_out += '"';
  }
  void value(std::int64_t n) {
    char buf[24];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    m_out.append(buf, end);
  }
  void value(const Wei& w) { value(std::string_view(w.decimal())); }
  void value(SystemTime t) { value(std::string_view(to_sql_datetime(t))); }  // as sqlite3 shows them, on either backend
  template <typename T>
  void value(const std::optional<T>& v) {
    if (v) {
      value(*v);
    } else {
      m_out += "null";
    }
  }

private:
  std::string& m_out;
  bool m_first = true;
};

}  // namespace

void append_trade_json(std::string& out, const Trade& t) {
  Writer w(out);
  w.key("amount_in").value(t.amount_in);
  w.key("amount_out").value(t.amount_out);
  w.key("amount_out_min").value(t.amount_out_min);
  w.key("block_number").value(t.block_number);
  w.key("chain_id").value(t.chain_id);
  w.key("created_at").value(t.created_at);
  w.key("deadline").value(t.deadline);
  w.key("deadline_seconds").value(t.deadline_seconds);
  w.key("error").value(t.error);
  w.key("finalized_at").value(t.finalized_at);
  w.key("gas_fee").value(t.gas_fee);
  w.key("gas_limit").value(t.gas_limit);
  w.key("gas_price").value(t.gas_price);
  w.key("gas_used").value(t.gas_used);
  w.key("id").value(t.id);
  w.key("nonce").value(t.nonce);
  w.key("operator_request").value(t.operator_request);
  w.key("path").value(t.path);
  w.key("quoted_amount_out").value(t.quoted_amount_out);
  w.key("slippage_bps").value(t.slippage_bps);
  w.key("status").value(to_string(t.status));
  w.key("token_in").value(t.token_in);
  w.key("token_out").value(t.token_out);
  w.key("tx_hash").value(t.tx_hash);
  w.key("updated_at").value(t.updated_at);
  w.key("wallet_address").value(t.wallet_address);
  w.end();
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
