#include "daemon/ws/session.hpp"

#include <nlohmann/json.hpp>

#include "daemon/app.hpp"
#include "daemon/ws/hub.hpp"
#include "daemon/ws/message.hpp"

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;

namespace bscbot::daemon {

namespace {

// What one queued message costs beyond its text (the string and the queue's slot).
constexpr std::size_t k_message_overhead = 64;

std::uint64_t next_id() {
  static std::atomic<std::uint64_t> id{0};
  return ++id;
}

}  // namespace

WsSession::WsSession(net::ip::tcp::socket socket, WsHub& hub)
    : m_ws(std::move(socket)),
      m_hub(hub),
      m_heartbeat(m_ws.get_executor()),
      m_max_queue_bytes(static_cast<std::size_t>(hub.app().cfg.integer("WS_MAX_QUEUE_BYTES"))),
      m_id(next_id()) {}

void WsSession::start(beast::http::request<beast::http::string_body> request) {
  m_ws.read_message_max(64 * 1024);
  m_ws.set_option(websocket::stream_base::timeout{std::chrono::seconds(30), websocket::stream_base::none(), false});
  m_ws.control_callback([this](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::pong) {
      m_awaiting_pong = false;
      m_hub.app().state.websocket_pongs++;
      m_hub.app().log->debug("WebSocket client {}: pong", m_id);
    }
  });
  m_ws.async_accept(request, beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
}

void WsSession::on_accept(beast::error_code ec) {
  if (ec) {
    m_hub.app().log->warn("WebSocket handshake failed: {}", ec.message());
    finish();
    return;
  }
  m_hub.join(shared_from_this());
  m_ws.text(true);
  send(std::make_shared<const std::string>(
      nlohmann::json{{"type", "welcome"}, {"client", m_id}, {"heartbeat_ms", m_hub.app().cfg.integer("HEARTBEAT_INTERVAL_MS")}}.dump()));
  read();
  schedule_heartbeat();
}

void WsSession::read() { m_ws.async_read(m_buffer, beast::bind_front_handler(&WsSession::on_read, shared_from_this())); }

void WsSession::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    finish();
    return;
  }
  const std::string text = beast::buffers_to_string(m_buffer.data());
  m_buffer.consume(m_buffer.size());
  send(std::make_shared<const std::string>(reply_to_client_message(text)));
  read();
}

void WsSession::send(std::shared_ptr<const std::string> message) {
  net::post(m_ws.get_executor(), [self = shared_from_this(), message = std::move(message)] {
    if (self->m_closing || self->m_finished) return;
    // A client that does not read what it is sent is dropped before its backlog passes
    // WS_MAX_QUEUE_BYTES, rather than letting the daemon's memory grow with it.
    const std::size_t cost = message->size() + k_message_overhead;
    if (self->m_queue_bytes + cost > self->m_max_queue_bytes) {
      self->m_hub.app().log->warn("WebSocket client {} is too slow ({} messages, {} bytes queued; WS_MAX_QUEUE_BYTES={}); dropping it",
                                  self->m_id, self->m_queue.size(), self->m_queue_bytes, self->m_max_queue_bytes);
      // No close handshake: a client that does not read would not read that either.
      self->m_closing = true;
      self->m_heartbeat.cancel();
      beast::get_lowest_layer(self->m_ws).close();
      return;
    }
    self->m_queue_bytes += cost;
    self->m_queue.push_back(message);
    if (self->m_queue.size() == 1) self->write_next();
  });
}

void WsSession::write_next() {
  m_ws.async_write(net::buffer(*m_queue.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) {
      self->finish();
      return;
    }
    self->m_queue_bytes -= self->m_queue.front()->size() + k_message_overhead;
    self->m_queue.pop_front();
    if (!self->m_queue.empty() && !self->m_closing) self->write_next();
  });
}

void WsSession::schedule_heartbeat() {
  m_heartbeat.expires_after(std::chrono::milliseconds(m_hub.app().cfg.integer("HEARTBEAT_INTERVAL_MS")));
  m_heartbeat.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->on_heartbeat();
  });
}

void WsSession::on_heartbeat() {
  if (m_finished || m_closing) return;
  if (m_awaiting_pong) {
    // No pong since the last ping: the peer is gone without a close frame (code 1006).
    m_hub.app().state.websocket_dropped++;
    m_hub.app().log->warn("WebSocket client {} missed its pong; terminating", m_id);
    beast::get_lowest_layer(m_ws).close();
    return;
  }
  m_awaiting_pong = true;
  m_hub.app().state.websocket_pings++;
  m_hub.app().log->debug("WebSocket client {}: ping", m_id);
  m_ws.async_ping({}, [self = shared_from_this()](beast::error_code ec) {
    if (ec) return;
    self->schedule_heartbeat();
  });
}

void WsSession::close() {
  net::post(m_ws.get_executor(), [self = shared_from_this()] {
    if (self->m_closing || self->m_finished) return;
    self->m_closing = true;
    self->m_heartbeat.cancel();
    self->m_ws.async_close(websocket::close_code::going_away, [self](beast::error_code) { self->finish(); });
  });
}

void WsSession::finish() {
  if (m_finished) return;
  m_finished = true;
  m_heartbeat.cancel();
  m_hub.leave(this);
}

}  // namespace bscbot::daemon
