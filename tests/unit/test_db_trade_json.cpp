// The one writer of a trade's JSON: text straight from the row, the same bytes nlohmann prints
// for the same object, whatever the strings hold (quotes, control characters, non-ASCII, invalid
// UTF-8 from a node's message), and read back by the CLI's reader field for field.
#include <doctest/doctest.h>

#include "core/db/trade_json.hpp"
#include "core/util/clock.hpp"

using namespace bscbot::core;
using namespace bscbot::core::db;
using nlohmann::json;

namespace {

Trade sample() {
  Trade t;
  t.id = 42;
  t.tx_hash = "0x" + std::string(64, 'a');
  t.wallet_address = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
  t.token_in = "0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c";
  t.token_out = "0x0e09fabb73bd3ade0a17ecc321fd13a19e81ce82";
  t.amount_in = Wei(U256("115792089237316195423570985008687907853269984665640564039457584007913129639935"));
  t.amount_out = Wei(U256("1990000000000000000"));
  t.path = t.token_in + "," + t.token_out;
  t.slippage_bps = 50;
  t.deadline = 1798761600;
  t.gas_used = 120000;
  t.nonce = 7;
  t.chain_id = 56;
  t.status = TradeStatus::failed;
  t.created_at = parse_sql_datetime("2026-12-02 10:00:00");
  t.updated_at = parse_sql_datetime("2026-12-02 10:00:03");
  t.finalized_at = t.updated_at;
  return t;
}

std::string written(const Trade& t) {
  std::string out;
  append_trade_json(out, t);
  return out;
}

}  // namespace

TEST_SUITE("db") {

TEST_CASE("trade json: the writer prints what nlohmann prints for the same object, for any error text") {
  for (const std::string& error : {std::string("reverted: INSUFFICIENT_OUTPUT_AMOUNT"), std::string("quote \" backslash \\ slash /"),
                                  std::string("tab\tnewline\ncr\rbell\x07 nul\x01 us\x1f del\x7f"), std::string("BNB \xe2\x86\x92 CAKE, \xc3\xbc"),
                                  std::string("cut short \xe2\x86"), std::string("\xff\xfe not UTF-8"), std::string()}) {
    CAPTURE(error);
    Trade t = sample();
    t.error = error;
    const std::string text = written(t);
    // Parsed and printed again by nlohmann (invalid UTF-8 was already replaced), nothing moves.
    CHECK(json::parse(text).dump(-1, ' ', false, json::error_handler_t::replace) == text);
    json dom;
    to_json(dom, t);
    CHECK(dom.dump(-1, ' ', false, json::error_handler_t::replace) == text);
  }
}

TEST_CASE("trade json: every field, nulls included, and the CLI's reader takes it back") {
  Trade t = sample();
  const json j = json::parse(written(t));
  CHECK(j.size() == 26);
  CHECK(j["id"] == 42);
  CHECK(j["amount_in"] == "115792089237316195423570985008687907853269984665640564039457584007913129639935");
  CHECK(j["gas_price"].is_null());
  CHECK(j["operator_request"].is_null());
  CHECK(j["created_at"] == "2026-12-02 10:00:00");
  CHECK(j["status"] == "failed");
  const Trade back = trade_from_json(j);
  CHECK(back.id == t.id);
  CHECK(back.amount_in == t.amount_in);
  CHECK(back.amount_out == t.amount_out);
  CHECK(back.finalized_at == t.finalized_at);
  CHECK(back.nonce == t.nonce);
  CHECK(back.status == t.status);

  std::string many;
  append_trades_json(many, {t, t});
  CHECK(json::parse(many).size() == 2);
  std::string none;
  append_trades_json(none, {});
  CHECK(none == "[]");
}

}  // TEST_SUITE
