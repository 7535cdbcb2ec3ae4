// The HTTP request parse and route: raw bytes as a client sends them (one or more pipelined
// requests) go through Beast's parser with bscbotd's limits, the conversion to our Request
// (percent-decoding, query, headers), the token check and every route's handler, against a
// real scratch database; each request is answered twice, as from loopback and from afar.
// Properties: nothing but a clean answer comes out (no crash, no escaped exception), the status
// is a real HTTP status, and a JSON answer parses.
#include <boost/asio/buffer.hpp>
#include <nlohmann/json.hpp>

#include "fuzz/support/daemon_fixture.hpp"
#include "fuzz/support/fuzz_support.hpp"

namespace bhttp = boost::beast::http;
using bscbot::fuzz::DaemonFixture;

namespace {

void check(const bscbot::daemon::http::Response& response) {
  BSCBOT_FUZZ_CHECK(response.status >= 100 && response.status <= 599, response.body);
  if (response.content_type == "application/json") {
    BSCBOT_FUZZ_CHECK(!nlohmann::json::parse(response.body, nullptr, false).is_discarded(), response.body);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  DaemonFixture& fixture = DaemonFixture::get();
  std::string_view rest = bscbot::fuzz::as_text(data, size);
  // Keep-alive: a connection may carry several requests; the server reads them in turn.
  for (int n = 0; n < 4 && !rest.empty(); ++n) {
    bscbot::daemon::http::BeastParser parser;
    bscbot::daemon::http::limit_parser(parser, fixture.max_request_bytes());
    parser.eager(true);
    boost::beast::error_code ec;
    for (int guard = 0; !parser.is_done() && guard < 64; ++guard) {
      const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
      rest.remove_prefix(used);
      if (ec == bhttp::error::need_more) {
        ec = {};
        if (used == 0) {  // everything left was offered: the client hung up mid-message
          parser.put_eof(ec);
          break;
        }
        continue;
      }
      if (ec) break;
    }
    // A parse error or an exceeded limit closes the connection (or answers 413) unrouted.
    if (ec || !parser.is_done()) return 0;
    const bscbot::daemon::http::BeastRequest message = parser.release();
    check(fixture.serve(message, /*loopback=*/true));
    check(fixture.serve(message, /*loopback=*/false));
    if (!message.keep_alive()) break;
  }
  return 0;
}
