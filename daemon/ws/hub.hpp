#pragma once
// The WebSocket side of bscbotd: /ws clients get price and trade updates pushed to them, are
// pinged every HEARTBEAT_INTERVAL_MS, and are dropped when they stop answering pongs.
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace bscbot::daemon {

struct App;
class WsSession;

class WsHub {
public:
  explicit WsHub(App& app) : m_app(app) {}

  // Takes over an upgraded connection; refuses it (HTTP 503) beyond MAX_CONNECTIONS.
  void accept(boost::asio::ip::tcp::socket socket, boost::beast::http::request<boost::beast::http::string_body> request);

  // Sends `message` (a JSON text) to every client.
  void broadcast(const std::string& message);

  // Closes every client with "going away" (daemon shutdown).
  void close_all();

  int size() const;

  void join(const std::shared_ptr<WsSession>& session);
  void leave(const WsSession* session);
  App& app() { return m_app; }

private:
  App& m_app;
  mutable std::mutex m_mutex;
  std::unordered_map<const WsSession*, std::weak_ptr<WsSession>> m_sessions;
};

}  // namespace bscbot::daemon
