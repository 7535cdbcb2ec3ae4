#pragma once
// The HTTP side of bscbotd on Boost.Beast: keep-alive, bounded requests, read/write timeouts,
// a request log line and metrics per answer, WebSocket upgrades handed to the hub, and a
// graceful stop that lets in-flight requests finish.
//
// Everything a client controls is bounded: connections (HTTP_MAX_CONNECTIONS in all and
// HTTP_MAX_CONNECTIONS_PER_IP from one address; beyond them a connection gets a short 503 and is
// counted in http_connections_refused_total), request size, time, and what reaches the log and
// the metric labels. When the process runs out of file descriptors anyway, the accept loop pauses
// instead of spinning and says so in one line every few seconds.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "daemon/http/router.hpp"

namespace bscbot::daemon {
struct App;
}

namespace bscbot::daemon::http {

class HttpSession;

// How many client sockets the daemon may hold, after fitting HTTP_MAX_CONNECTIONS and
// MAX_CONNECTIONS into the process's descriptor limit (raised to its hard limit when needed).
struct ConnectionBudget {
  int http = 0;       // HTTP connections (not yet upgraded)
  int websocket = 0;  // WebSocket clients
  long descriptors = 0;  // RLIMIT_NOFILE after any raise
  bool clamped = false;  // the settings did not fit and were lowered
};

// Raises RLIMIT_NOFILE's soft limit towards its hard limit if the settings need it, and lowers
// the connection counts when even that is not enough (leaving room for the database, the log
// and the listening socket).
ConnectionBudget plan_connection_budget(long http_setting, long websocket_setting);

// Who holds a connection slot. Sessions share it with the server, so a session destroyed late
// (with the io_context, after a shutdown timeout) still gives its slot back to live memory.
struct ConnectionSlots {
  std::mutex mutex;
  int open = 0;                                      // HTTP connections holding a slot
  std::unordered_map<std::string, int> per_address;  // slots by peer address
  std::atomic<int> refusing{0};                      // 503 answers being written
  std::atomic<int>* published = nullptr;             // where `open` is shown (http_connections_open)

  // Gives back the slot of a closed (or upgraded) connection from `address`.
  void release(const std::string& address);
};

// The settings every request reads, looked up once (the configuration does not change while
// bscbotd runs).
struct SessionLimits {
  std::uint64_t max_request_bytes = 0;       // MAX_REQUEST_BYTES
  std::chrono::milliseconds request_timeout{};    // REQUEST_TIMEOUT_MS
  std::chrono::milliseconds keepalive_timeout{};  // KEEPALIVE_TIMEOUT_MS
};

class Server {
public:
  Server(boost::asio::io_context& ioc, App& app, Router& router, ConnectionBudget budget);

  // Binds HOST:PORT; throws core::Error(conflict) when the port is taken.
  void listen();

  // Stops accepting, closes idle keep-alive connections and lets busy ones finish.
  void stop();

  int port() const { return m_port; }

  // Used by sessions.
  App& app() { return m_app; }
  const Router& router() const { return m_router; }
  const SessionLimits& limits() const { return m_limits; }
  bool stopping() const { return m_stopping.load(); }
  void track(const std::shared_ptr<HttpSession>& session);
  void untrack(const HttpSession* session);

private:
  void accept();
  void admit(boost::asio::ip::tcp::socket socket);
  void on_accept_error(const boost::system::error_code& ec);
  void refuse(boost::asio::ip::tcp::socket socket, const std::string& address, bool per_ip);

  boost::asio::io_context& m_ioc;
  App& m_app;
  Router& m_router;
  ConnectionBudget m_budget;
  int m_max_per_ip;
  SessionLimits m_limits;
  boost::asio::ip::tcp::acceptor m_acceptor;
  boost::asio::steady_timer m_accept_pause;  // on the acceptor's strand
  int m_port = 0;
  std::atomic<bool> m_stopping{false};
  std::mutex m_mutex;
  std::unordered_map<const HttpSession*, std::weak_ptr<HttpSession>> m_sessions;
  std::shared_ptr<ConnectionSlots> m_slots = std::make_shared<ConnectionSlots>();
  // Rate limits of the accept-failure and refusal lines (acceptor strand only).
  std::chrono::steady_clock::time_point m_accept_error_logged{};
  std::uint64_t m_accept_errors_unlogged = 0;
  std::chrono::steady_clock::time_point m_refusal_logged{};
  std::uint64_t m_refusals_unlogged = 0;
};

}  // namespace bscbot::daemon::http
