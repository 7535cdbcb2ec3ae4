// /ws streams what the trade engine does: price updates from the price cache and every status
// change of a trade, to clients that presented a token.
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "tests/blackbox/trade_fixture.hpp"

using namespace bscbot;
using bscbot::test::TradeFixture;
using core::auth::Role;
using nlohmann::json;
namespace beast = boost::beast;
namespace net = boost::asio;

namespace {

// A WebSocket client that collects JSON messages until a predicate holds or time runs out.
class WsClient {
public:
  WsClient(int port, const std::string& target) : m_ws(m_ioc) {
    beast::get_lowest_layer(m_ws).connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    m_ws.handshake("127.0.0.1", target);
  }

  // Reads messages until `done` returns true for one of them; false on timeout.
  bool wait_for(const std::function<bool(const json&)>& done, std::chrono::milliseconds timeout = std::chrono::milliseconds(20000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      bool got = false;
      beast::error_code error;
      m_ws.async_read(m_buffer, [&](beast::error_code ec, std::size_t) {
        got = true;
        error = ec;
      });
      m_ioc.restart();
      m_ioc.run_for(deadline - std::chrono::steady_clock::now());
      if (!got) {
        beast::get_lowest_layer(m_ws).cancel();
        m_ioc.restart();
        m_ioc.run();
        return false;
      }
      if (error) return false;
      const json msg = json::parse(beast::buffers_to_string(m_buffer.data()), nullptr, false);
      m_buffer.consume(m_buffer.size());
      messages.push_back(msg);
      if (done(msg)) return true;
    }
    return false;
  }

  std::vector<json> messages;

private:
  net::io_context m_ioc;
  beast::websocket::stream<beast::tcp_stream> m_ws;
  beast::flat_buffer m_buffer;
};

}  // namespace

TEST_SUITE("trade") {

TEST_CASE("trade: /ws streams price updates and every status change of a trade") {
  TradeFixture f("trade-ws", {{"LOOPBACK_READS_WITHOUT_TOKEN", "false"}});
  f.daemon.start();
  WsClient client(f.daemon.port(), "/ws?token=" + test::token_for(Role::viewer));
  REQUIRE(client.wait_for([](const json& m) { return m.value("type", "") == "welcome"; }));

  // A quote misses the price cache: the fresh reserves go out as a price message.
  const auto q = test::call(f.daemon, "GET", "/api/v1/quote?from=BNB&to=" + f.info().token_a.to_hex() + "&amount=1",
                            test::token_for(Role::viewer));
  REQUIRE(q.status == 200);
  REQUIRE(client.wait_for([](const json& m) { return m.value("type", "") == "price"; }));
  const json& price = client.messages.back();
  CHECK(price["reserve0"].is_string());
  CHECK(price["pair"].get<std::string>().size() == 42);

  const std::int64_t id = f.swap({{"from", "BNB"}, {"to", f.info().token_a.to_hex()}, {"amount", "1"}});
  REQUIRE(client.wait_for([&](const json& m) {
    return m.value("type", "") == "trade" && m["trade"]["id"] == id && m["trade"]["status"] == "completed";
  }));
  std::vector<std::string> seen;
  for (const json& m : client.messages) {
    if (m.value("type", "") == "trade" && m["trade"]["id"] == id) {
      seen.push_back(m["trade"]["status"].get<std::string>() + (m["trade"]["tx_hash"].is_null() ? "" : "+tx"));
    }
  }
  // Queued, signed (hash recorded before broadcast), completed.
  REQUIRE(seen.size() >= 3);
  CHECK(seen.front() == "pending");
  CHECK(std::find(seen.begin(), seen.end(), "pending+tx") != seen.end());
  CHECK(seen.back() == "completed+tx");
  const json& done = client.messages.back();
  CHECK(done["trade"]["amount_out"] == f.final_row(id).amount_out->decimal());
  CHECK(json::parse(f.daemon.get("/api/health").body)["websocket_connections"] == 1);
}

}  // TEST_SUITE
