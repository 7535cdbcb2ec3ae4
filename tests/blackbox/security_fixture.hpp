#pragma once
// Helpers of the security suite: the raw sockets and hand-made requests an attacker uses (idle
// connections, any method, any Host or Origin header), and reads of the daemon's log, metrics
// and memory from outside.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>

#include "tests/blackbox/trade_fixture.hpp"

namespace bscbot::test {

// A TCP connection to 127.0.0.1:`port` that sends nothing until told (an idle attacker), with a
// small receive buffer when `rcvbuf` is set (a client that does not read fills up quickly).
class RawSocket {
public:
  explicit RawSocket(int port, int rcvbuf = 0) {
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (rcvbuf > 0) ::setsockopt(m_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<unsigned short>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    m_connected = ::connect(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawSocket() {
    if (m_fd >= 0) ::close(m_fd);
  }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;
  RawSocket(RawSocket&& o) noexcept : m_fd(o.m_fd), m_connected(o.m_connected) { o.m_fd = -1; }

  bool connected() const { return m_connected; }
  bool send(const std::string& text) { return ::send(m_fd, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size()); }

  // What arrives within `timeout` (until the peer closes, or `max` bytes).
  std::string receive(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000), std::size_t max = 1 << 20) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    while (out.size() < max) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) break;
      pollfd p{m_fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
      const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  void close() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
  }

private:
  int m_fd = -1;
  bool m_connected = false;
};

// An HTTP request with the given headers (curl adds nothing we did not ask for but Host).
inline core::net::HttpResponse request(const Daemon& d, const std::string& method, const std::string& path,
                                       const std::map<std::string, std::string>& headers, const std::string& body = "") {
  core::net::HttpRequest r;
  r.method = method;
  r.url = d.url(path);
  r.headers = headers;
  r.body = body;
  r.timeout = std::chrono::milliseconds(10000);
  return core::net::perform(r);
}

// The status of a WebSocket upgrade with `headers` (101 when accepted), read off the wire.
inline int ws_upgrade(int port, const std::string& target, const std::map<std::string, std::string>& headers = {}) {
  namespace beast = boost::beast;
  namespace net = boost::asio;
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  beast::http::request<beast::http::empty_body> req{beast::http::verb::get, target, 11};
  req.set(beast::http::field::host, "127.0.0.1:" + std::to_string(port));
  req.set(beast::http::field::upgrade, "websocket");
  req.set(beast::http::field::connection, "Upgrade");
  req.set(beast::http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  req.set(beast::http::field::sec_websocket_version, "13");
  for (const auto& [k, v] : headers) req.set(k, v);
  beast::http::write(stream, req);
  beast::flat_buffer buffer;
  beast::http::response_parser<beast::http::empty_body> parser;
  parser.skip(true);
  beast::error_code ec;
  beast::http::read_header(stream, buffer, parser, ec);
  return ec ? -1 : static_cast<int>(parser.get().result_int());
}

// The daemon's log so far.
inline std::string daemon_log(const Scratch& s) { return read_text(s / "logs" / "api-server.log"); }

// Lines of `text` containing `needle`.
inline int count_lines(const std::string& text, const std::string& needle) {
  int n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) n += line.find(needle) != std::string::npos;
  return n;
}

// The value of the sample `series` (e.g. `http_connections_refused_total{reason="max_connections"}`)
// in the exposition, 0 when absent.
inline double metric_value(const std::string& exposition, const std::string& series) {
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return 0;
}

// Resident memory of `pid` in bytes (VmRSS).
inline long rss_bytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) * 1024;
  }
  return -1;
}

// Open file descriptors of `pid`.
inline int open_descriptors(pid_t pid) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    (void)e;
    ++n;
  }
  return n;
}

}  // namespace bscbot::test
