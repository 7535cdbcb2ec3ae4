#pragma once
// The HTTP side of bscbotd on Boost.Beast: keep-alive, bounded requests, read/write timeouts,
// a request log line and metrics per answer, WebSocket upgrades handed to the hub, and a
// graceful stop that lets in-flight requests finish.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "daemon/http/router.hpp"

namespace bscbot::daemon {
struct App;
}

namespace bscbot::daemon::http {

class HttpSession;

class Server {
public:
  Server(boost::asio::io_context& ioc, App& app, Router& router);

  // Binds HOST:PORT; throws core::Error(conflict) when the port is taken.
  void listen();

  // Stops accepting, closes idle keep-alive connections and lets busy ones finish.
  void stop();

  int port() const { return m_port; }

  // Used by sessions.
  App& app() { return m_app; }
  const Router& router() const { return m_router; }
  bool stopping() const { return m_stopping.load(); }
  void track(const std::shared_ptr<HttpSession>& session);
  void untrack(const HttpSession* session);

private:
  void accept();

  boost::asio::io_context& m_ioc;
  App& m_app;
  Router& m_router;
  boost::asio::ip::tcp::acceptor m_acceptor;
  int m_port = 0;
  std::atomic<bool> m_stopping{false};
  std::mutex m_mutex;
  std::unordered_map<const HttpSession*, std::weak_ptr<HttpSession>> m_sessions;
};

}  // namespace bscbot::daemon::http
