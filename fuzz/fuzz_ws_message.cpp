// WebSocket messages (daemon/ws): the bytes a /ws client sends after its upgrade (masked
// frames: text, binary, fragments, ping/pong/close, oversized) read by Beast's WebSocket stream
// with the session's options, each message answered by reply_to_client_message as WsSession
// does. The input is also offered to reply_to_client_message whole, as one message's text, so
// JSON-level mutations are not lost to framing. Properties: every reply is a JSON object with
// a string "type", and nothing escapes.
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <nlohmann/json.hpp>

#include "daemon/ws/message.hpp"
#include "fuzz/support/fuzz_support.hpp"

namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

void check_reply(const std::string& reply) {
  const auto json = nlohmann::json::parse(reply, nullptr, false);
  BSCBOT_FUZZ_CHECK(json.is_object() && json.contains("type") && json["type"].is_string(), reply);
}

// The upgrade request a browser sends; the hub hands it to WsSession::start as parsed.
beast::http::request<beast::http::string_body> upgrade_request() {
  beast::http::request<beast::http::string_body> req{beast::http::verb::get, "/ws", 11};
  req.set(beast::http::field::host, "localhost:10001");
  req.set(beast::http::field::upgrade, "websocket");
  req.set(beast::http::field::connection, "Upgrade");
  req.set(beast::http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  req.set(beast::http::field::sec_websocket_version, "13");
  return req;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = bscbot::fuzz::as_text(data, size);
  check_reply(bscbot::daemon::reply_to_client_message(input));

  boost::asio::io_context ioc;
  beast::test::stream client(ioc);
  websocket::stream<beast::test::stream> ws(ioc);
  beast::test::connect(ws.next_layer(), client);
  // The session's settings (WsSession::start).
  ws.read_message_max(64 * 1024);
  int pongs = 0;
  ws.control_callback([&pongs](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::pong) ++pongs;
  });
  beast::error_code ec;
  ws.accept(upgrade_request(), ec);
  if (ec) bscbot::fuzz::property_failed("the server side refused a valid upgrade", ec.message());
  ws.text(true);
  ws.next_layer().append(input);
  ws.next_layer().close_remote();  // after the input, the client is gone

  beast::flat_buffer buffer;
  for (int messages = 0; messages < 256; ++messages) {
    ws.read(buffer, ec);
    if (ec) break;  // a protocol error, a close frame, an oversized message or the end: the session ends
    const std::string text = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    const std::string reply = bscbot::daemon::reply_to_client_message(text);
    check_reply(reply);
    ws.write(boost::asio::buffer(reply), ec);
    if (ec) break;
    client.clear();  // the replies the client would read
  }
  return 0;
}
