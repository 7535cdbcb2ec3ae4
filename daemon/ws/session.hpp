#pragma once
// One WebSocket client: a write queue on its strand, bounded in bytes (WS_MAX_QUEUE_BYTES), and
// a heartbeat timer that pings it and drops it when the previous ping went unanswered.
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <memory>
#include <string>

namespace bscbot::daemon {

class WsHub;

class WsSession : public std::enable_shared_from_this<WsSession> {
public:
  WsSession(boost::asio::ip::tcp::socket socket, WsHub& hub);

  void start(boost::beast::http::request<boost::beast::http::string_body> request);
  // Thread-safe: queues `message` on the session's strand.
  void send(std::shared_ptr<const std::string> message);
  // Thread-safe: starts a close handshake with "going away".
  void close();

  std::uint64_t id() const { return m_id; }

private:
  void on_accept(boost::beast::error_code ec);
  void read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void write_next();
  void schedule_heartbeat();
  void on_heartbeat();
  void finish();

  boost::beast::websocket::stream<boost::beast::tcp_stream> m_ws;
  WsHub& m_hub;
  boost::beast::flat_buffer m_buffer;
  std::deque<std::shared_ptr<const std::string>> m_queue;
  boost::asio::steady_timer m_heartbeat;
  std::size_t m_queue_bytes = 0;  // what m_queue holds, with per-message overhead
  std::size_t m_max_queue_bytes;
  bool m_awaiting_pong = false;
  bool m_closing = false;
  bool m_finished = false;
  std::uint64_t m_id;
};

}  // namespace bscbot::daemon
