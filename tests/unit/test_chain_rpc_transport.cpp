#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/chain/rpc_transport.hpp"
#include "tests/support/harness.hpp"

using namespace bscbot::core;
using namespace bscbot::core::chain;
using std::chrono::milliseconds;

namespace {

namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

// A tiny HTTP/1.1 server on a free loopback port, so the curl transport is tested against real
// sockets: keep-alive, headers, status codes and timeouts.
class LocalServer {
public:
  struct Reply {
    unsigned status = 200;
    std::string body;
    milliseconds delay{0};
  };
  using Handler = std::function<Reply(const std::string& body)>;

  explicit LocalServer(Handler handler)
      : m_handler(std::move(handler)), m_acceptor(m_io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)) {
    m_port = m_acceptor.local_endpoint().port();
    m_accept_thread = std::thread([this] { accept_loop(); });
  }

  ~LocalServer() {
    m_stopping = true;
    boost::system::error_code ec;
    tcp::socket wake(m_io);
    wake.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), m_port), ec);
    m_accept_thread.join();
    wake.close(ec);
    for (auto& t : m_sessions) t.join();
  }

  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port) + "/rpc"; }
  int connections() const { return m_connections; }

  std::vector<std::string> content_types() const {
    std::lock_guard lock(m_mutex);
    return m_content_types;
  }

private:
  void accept_loop() {
    while (true) {
      tcp::socket socket(m_io);
      boost::system::error_code ec;
      m_acceptor.accept(socket, ec);
      if (m_stopping || ec) return;
      ++m_connections;
      m_sessions.emplace_back([this, s = std::move(socket)]() mutable { serve(std::move(s)); });
    }
  }

  void serve(tcp::socket socket) {
    boost::beast::flat_buffer buffer;
    while (true) {
      http::request<http::string_body> request;
      boost::system::error_code ec;
      http::read(socket, buffer, request, ec);
      if (ec) return;
      {
        std::lock_guard lock(m_mutex);
        m_content_types.emplace_back(request[http::field::content_type]);
      }
      const Reply reply = m_handler(request.body());
      if (reply.delay.count() > 0) std::this_thread::sleep_for(reply.delay);
      http::response<http::string_body> response{static_cast<http::status>(reply.status), request.version()};
      response.set(http::field::content_type, "application/json");
      response.body() = reply.body;
      response.keep_alive(request.keep_alive());
      response.prepare_payload();
      http::write(socket, response, ec);
      if (ec || !request.keep_alive()) return;
    }
  }

  Handler m_handler;
  boost::asio::io_context m_io;
  tcp::acceptor m_acceptor;
  unsigned short m_port = 0;
  std::atomic<bool> m_stopping{false};
  std::atomic<int> m_connections{0};
  std::thread m_accept_thread;
  std::vector<std::thread> m_sessions;  // touched by the accept thread, then joined
  mutable std::mutex m_mutex;
  std::vector<std::string> m_content_types;
};

// A loopback port nothing listens on.
unsigned short closed_port() {
  boost::asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

}  // namespace

TEST_CASE("chain: curl transport posts JSON and reuses the connection") {
  LocalServer server([](const std::string& body) { return LocalServer::Reply{200, "echo:" + body}; });
  {
    auto transport = make_curl_transport();
    for (int i = 0; i < 5; ++i) {
      CHECK(transport->post(server.url(), "{\"n\":" + std::to_string(i) + "}", milliseconds(2000)) ==
            "echo:{\"n\":" + std::to_string(i) + "}");
    }
    // A body above curl's 1 KiB "Expect: 100-continue" threshold goes through without a stall.
    const std::string big(64 * 1024, 'x');
    CHECK(transport->post(server.url(), big, milliseconds(2000)) == "echo:" + big);
    CHECK(server.connections() == 1);
  }
  for (const std::string& type : server.content_types()) CHECK(type == "application/json");
}

TEST_CASE("chain: curl transport serves concurrent callers") {
  LocalServer server([](const std::string& body) { return LocalServer::Reply{200, body, milliseconds(20)}; });
  {
    auto transport = make_curl_transport();
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 5; ++i) {
          const std::string body = std::to_string(t * 100 + i);
          if (transport->post(server.url(), body, milliseconds(5000)) != body) ++wrong;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    CHECK(wrong == 0);
    // Handles are pooled, so connections are reused instead of opened per request.
    CHECK(server.connections() <= 4);
  }
}

TEST_CASE("chain: curl transport turns HTTP errors into TransportError with the status") {
  LocalServer server([](const std::string&) { return LocalServer::Reply{429, "{\"error\":\"rate limited\"}"}; });
  auto transport = make_curl_transport();
  try {
    transport->post(server.url(), "{}", milliseconds(2000));
    FAIL("expected a TransportError");
  } catch (const TransportError& e) {
    CHECK(e.kind() == ErrorKind::unavailable);
    CHECK(e.http_status() == 429);
    CHECK(std::string(e.what()).find("HTTP 429") != std::string::npos);
    CHECK(std::string(e.what()).find("rate limited") != std::string::npos);
  }
  transport.reset();
}

TEST_CASE("chain: curl transport reports refused connections and timeouts") {
  auto transport = make_curl_transport();
  const std::string refused_url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/";
  try {
    transport->post(refused_url, "{}", milliseconds(2000));
    FAIL("expected a TransportError");
  } catch (const TransportError& e) {
    CHECK(e.http_status() == 0);
    CHECK(std::string(e.what()).find(refused_url) != std::string::npos);
    // Nothing left this machine: a transaction in that request was surely not sent.
    CHECK(e.cause() == TransportError::Cause::refused);
    CHECK(e.delivery() == Delivery::not_delivered);
  }

  LocalServer slow([](const std::string&) { return LocalServer::Reply{200, "late", milliseconds(800)}; });
  try {
    transport->post(slow.url(), "{}", milliseconds(200));
    FAIL("expected a TransportError");
  } catch (const TransportError& e) {
    // The request went out and the node may act on it: a timeout after connecting.
    CHECK(e.cause() == TransportError::Cause::timeout);
    CHECK(e.delivery() == Delivery::maybe_delivered);
  }
  transport.reset();
}

TEST_CASE("chain: transport errors name the endpoint with its secrets masked") {
  auto transport = make_curl_transport();
  const int port = bscbot::test::free_port();
  const std::string url = "http://bob:hunter2@127.0.0.1:" + std::to_string(port) + "/v1/64a9df0874fb4a93b9d0a3849de012d3";
  try {
    transport->post(url, "{}", milliseconds(500));
    FAIL("a closed port answered");
  } catch (const TransportError& e) {
    const std::string message = e.what();
    CHECK(message.find("hunter2") == std::string::npos);
    CHECK(message.find("64a9df0874fb4a93b9d0a3849de012d3") == std::string::npos);
    CHECK(message.find("http://bob:****@127.0.0.1:" + std::to_string(port) + "/v1/****") != std::string::npos);
  }
}

TEST_CASE("chain: an HTTP error status means the request was not taken") {
  LocalServer server([](const std::string&) { return LocalServer::Reply{502, "bad gateway"}; });
  auto transport = make_curl_transport(TransportOptions{milliseconds(300)});
  try {
    transport->post(server.url(), "{}", milliseconds(2000));
    FAIL("expected a TransportError");
  } catch (const TransportError& e) {
    CHECK(e.cause() == TransportError::Cause::http_status);
    CHECK(e.delivery() == Delivery::not_delivered);
  }
}
