#pragma once
// The WebSocket side of bscbotd: /ws clients get price and trade updates pushed to them, are
// pinged every HEARTBEAT_INTERVAL_MS, and are dropped when they stop answering pongs.
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace bscbot::daemon {

struct App;
class WsSession;

class WsHub {
public:
  // `max_clients` is MAX_CONNECTIONS, or less when the descriptor limit is lower.
  WsHub(App& app, int max_clients) : m_app(app), m_max_clients(max_clients) {}

  // Takes over an upgraded connection; refuses it (HTTP 503) beyond `max_clients`. The client
  // takes its place when it asks to upgrade, not when the handshake is done, so a burst of
  // upgrades cannot let more than `max_clients` in.
  void accept(boost::asio::ip::tcp::socket socket, boost::beast::http::request<boost::beast::http::string_body> request);

  // Sends `message` (a JSON text) to every client.
  void broadcast(const std::string& message);

  // Closes every client with "going away" (daemon shutdown).
  void close_all();

  // Clients connected (handshake done).
  int size() const;

  void join(const std::shared_ptr<WsSession>& session);
  // Gives back the place of a client that left, or whose handshake failed.
  void leave(const WsSession* session);
  App& app() { return m_app; }

private:
  App& m_app;
  int m_max_clients;
  mutable std::mutex m_mutex;
  int m_places = 0;  // clients upgrading or connected
  std::chrono::steady_clock::time_point m_refusal_logged{};
  std::uint64_t m_refusals_unlogged = 0;
  std::unordered_map<const WsSession*, std::weak_ptr<WsSession>> m_sessions;
};

}  // namespace bscbot::daemon
