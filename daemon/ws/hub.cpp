#include "daemon/ws/hub.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http/write.hpp>
#include <nlohmann/json.hpp>

#include "daemon/app.hpp"
#include "daemon/ws/session.hpp"

namespace beast = boost::beast;
namespace http = beast::http;

namespace bscbot::daemon {

void WsHub::accept(boost::asio::ip::tcp::socket socket, http::request<http::string_body> request) {
  const int max = m_max_clients;
  bool admitted = false;
  {
    std::lock_guard lock(m_mutex);
    if (m_places < max) {
      ++m_places;
      admitted = true;
    }
  }
  if (!admitted) {
    m_app.metrics.count_connection_refused("websocket_max_connections");
    // Refused before the upgrade, so the client sees a plain HTTP answer it can log.
    http::response<http::string_body> res{http::status::service_unavailable, request.version()};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::connection, "close");
    res.body() = nlohmann::json{{"error", "too many WebSocket connections"}, {"code", "max_connections"}, {"limit", max}}.dump();
    res.prepare_payload();
    beast::error_code ec;
    http::write(socket, res, ec);
    socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    // One line per interval, with the count, however fast the refusals come.
    std::uint64_t refused = 0;
    {
      std::lock_guard lock(m_mutex);
      ++m_refusals_unlogged;
      const auto now = std::chrono::steady_clock::now();
      if (now - m_refusal_logged >= std::chrono::seconds(10)) {
        refused = m_refusals_unlogged;
        m_refusals_unlogged = 0;
        m_refusal_logged = now;
      }
    }
    if (refused) m_app.log->warn("WebSocket connection refused: MAX_CONNECTIONS={} reached ({} refused in the last 10 s)", max, refused);
    return;
  }
  std::make_shared<WsSession>(std::move(socket), *this)->start(std::move(request));
}

void WsHub::join(const std::shared_ptr<WsSession>& session) {
  int total = 0;
  {
    std::lock_guard lock(m_mutex);
    m_sessions[session.get()] = session;
    total = static_cast<int>(m_sessions.size());
  }
  m_app.state.websocket_connections.store(total);
  m_app.state.websocket_opened++;
  m_app.metrics.count_websocket_open();
  m_app.log->info("WebSocket client {} connected ({} connected)", session->id(), total);
}

void WsHub::leave(const WsSession* session) {
  int total = 0;
  bool joined = false;
  {
    std::lock_guard lock(m_mutex);
    --m_places;
    joined = m_sessions.erase(session) > 0;
    total = static_cast<int>(m_sessions.size());
  }
  if (!joined) return;  // the handshake failed: it was never counted as connected
  m_app.state.websocket_connections.store(total);
  m_app.log->info("WebSocket client {} disconnected ({} connected)", session->id(), total);
}

int WsHub::size() const {
  std::lock_guard lock(m_mutex);
  return static_cast<int>(m_sessions.size());
}

void WsHub::broadcast(const std::string& message) {
  auto shared = std::make_shared<const std::string>(message);
  std::vector<std::shared_ptr<WsSession>> targets;
  {
    std::lock_guard lock(m_mutex);
    for (auto& [_, weak] : m_sessions) {
      if (auto s = weak.lock()) targets.push_back(std::move(s));
    }
  }
  for (auto& s : targets) s->send(shared);
}

void WsHub::close_all() {
  std::vector<std::shared_ptr<WsSession>> targets;
  {
    std::lock_guard lock(m_mutex);
    for (auto& [_, weak] : m_sessions) {
      if (auto s = weak.lock()) targets.push_back(std::move(s));
    }
  }
  for (auto& s : targets) s->close();
}

}  // namespace bscbot::daemon
