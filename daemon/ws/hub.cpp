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
  const auto max = m_app.cfg.integer("MAX_CONNECTIONS");
  if (size() >= max) {
    // Refused before the upgrade, so the client sees a plain HTTP answer it can log.
    http::response<http::string_body> res{http::status::service_unavailable, request.version()};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::connection, "close");
    res.body() = nlohmann::json{{"error", "too many WebSocket connections"}, {"code", "max_connections"}, {"limit", max}}.dump();
    res.prepare_payload();
    beast::error_code ec;
    http::write(socket, res, ec);
    socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    m_app.log->warn("WebSocket connection refused: MAX_CONNECTIONS={} reached", max);
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
  {
    std::lock_guard lock(m_mutex);
    m_sessions.erase(session);
    total = static_cast<int>(m_sessions.size());
  }
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
