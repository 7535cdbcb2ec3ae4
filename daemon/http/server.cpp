#include "daemon/http/server.hpp"

#include <fmt/format.h>

#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <optional>

#include "core/error.hpp"
#include "core/version.hpp"
#include "daemon/app.hpp"
#include "daemon/auth.hpp"
#include "daemon/ws/hub.hpp"

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace bscbot::daemon::http {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
public:
  HttpSession(tcp::socket socket, Server& server) : m_stream(std::move(socket)), m_server(server) {}

  void start() {
    net::dispatch(m_stream.get_executor(), beast::bind_front_handler(&HttpSession::read, shared_from_this()));
  }

  // Runs on the session's strand: an idle connection is closed now, a busy one after its answer.
  void stop() {
    net::post(m_stream.get_executor(), [self = shared_from_this()] {
      if (self->m_reading) {
        beast::error_code ec;
        self->m_stream.socket().shutdown(tcp::socket::shutdown_both, ec);
        self->m_stream.close();
      }
    });
  }

private:
  void read() {
    const auto& cfg = m_server.app().cfg;
    m_parser.emplace();
    const auto limit = static_cast<std::uint32_t>(cfg.integer("MAX_REQUEST_BYTES"));
    m_parser->header_limit(std::min<std::uint32_t>(limit, 64 * 1024));
    m_parser->body_limit(limit);
    m_stream.expires_after(std::chrono::milliseconds(
        cfg.integer(m_requests == 0 ? "REQUEST_TIMEOUT_MS" : "KEEPALIVE_TIMEOUT_MS")));
    m_reading = true;
    bhttp::async_read(m_stream, m_buffer, *m_parser, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    m_reading = false;
    if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit) {
      respond_error(413, "payload_too_large", "request larger than MAX_REQUEST_BYTES");
      return;
    }
    if (ec) return close();  // end of stream, timeout, reset: nothing to answer
    if (m_server.stopping()) {
      respond_error(503, "shutting_down", "bscbotd is shutting down");
      return;
    }
    auto req = m_parser->release();
    ++m_requests;
    const std::string_view target = req.target();
    if (beast::websocket::is_upgrade(req) && target.substr(0, target.find('?')) == "/ws") {
      if (!m_server.app().cfg.boolean("WEBSOCKET_ENABLED")) {
        respond_error(404, "websocket_disabled", "WebSockets are disabled (WEBSOCKET_ENABLED=false)");
        return;
      }
      // The same token check as the read routes; a refusal is answered and logged like any request.
      const auto start = std::chrono::steady_clock::now();
      const Request request = make_request(req);
      if (auto refusal = authorize(m_server.app(), request, Auth::viewer)) {
        finish(request, "/ws", {std::move(*refusal), "/ws"}, start, req);
        return;
      }
      m_stream.expires_never();
      m_server.untrack(this);
      m_server.app().hub->accept(m_stream.release_socket(), std::move(req));
      return;
    }
    handle(req);
  }

  // The request as route handlers see it: decoded path and query, lower-case headers, peer.
  Request make_request(const bhttp::request<bhttp::string_body>& req) {
    Request request;
    request.method = std::string(req.method_string());
    const std::string target(req.target());
    const auto qmark = target.find('?');
    const auto path = percent_decode(target.substr(0, qmark), false);
    const auto query = parse_query(qmark == std::string::npos ? "" : target.substr(qmark + 1));
    request.path = path.value_or("");
    request.query = query.value_or(std::map<std::string, std::string>{});
    m_malformed_url = !path || !query;
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers[name] = std::string(field.value());
    }
    request.body = req.body();
    beast::error_code ec;
    const auto endpoint = m_stream.socket().remote_endpoint(ec);
    if (!ec) {
      request.remote_address = endpoint.address().to_string();
      request.loopback = endpoint.address().is_loopback() ||
                         (endpoint.address().is_v6() && endpoint.address().to_v6().is_v4_mapped() &&
                          net::ip::make_address_v4(net::ip::v4_mapped, endpoint.address().to_v6()).is_loopback());
    }
    return request;
  }

  void handle(const bhttp::request<bhttp::string_body>& req) {
    const auto start = std::chrono::steady_clock::now();
    Request request = make_request(req);
    Router::Result result;
    if (m_malformed_url) {
      result = {Response::error(400, "bad_request", "malformed percent-encoding in the URL"), "unmatched"};
    } else {
      result = m_server.router().dispatch(request);
    }
    finish(request, std::string(req.target()), std::move(result), start, req);
  }

  // Counts, logs and writes an answer.
  void finish(const Request& request, const std::string& target, Router::Result result, std::chrono::steady_clock::time_point start,
              const bhttp::request<bhttp::string_body>& req) {
    apply_cors(request, result.response);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto& app = m_server.app();
    app.metrics.observe_request(request.method, result.route, result.response.status, seconds);
    if (result.response.status == 401 || result.response.status == 403) app.state.unauthorized++;
    // The manual reads this line: `grep "response_time" ... | awk '{print $NF}' | sort -n`.
    const auto level = result.response.status >= 500 ? spdlog::level::err
                       : result.response.status == 401 || result.response.status == 403 ? spdlog::level::warn
                                                                                          : spdlog::level::info;
    app.log->log(level, "{} {} {} {} response_time {:.3f}ms", request.remote_address, request.method, target,
                 result.response.status, seconds * 1000.0);
    write(std::move(result.response), req.version(), req.keep_alive(), req.method() == bhttp::verb::head);
  }

  void apply_cors(const Request& request, Response& response) {
    const auto origin = request.header("origin");
    if (!origin) return;
    for (const std::string& allowed : m_server.app().cfg.list("CORS_ORIGINS")) {
      if (allowed == "*" || allowed == *origin) {
        response.headers["Access-Control-Allow-Origin"] = allowed == "*" ? "*" : *origin;
        response.headers["Vary"] = "Origin";
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type";
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, DELETE, OPTIONS";
        return;
      }
    }
  }

  void respond_error(int status, const std::string& code, const std::string& message) {
    write(Response::error(status, code, message), 11, false, false);
  }

  void write(Response response, unsigned version, bool keep_alive, bool head) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(static_cast<bhttp::status>(response.status), version);
    res->set(bhttp::field::server, std::string("bscbotd/") + k_version);
    res->set(bhttp::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) res->set(name, value);
    res->keep_alive(keep_alive && !m_server.stopping());
    res->body() = std::move(response.body);
    res->prepare_payload();
    if (head) res->body().clear();
    m_stream.expires_after(std::chrono::milliseconds(m_server.app().cfg.integer("REQUEST_TIMEOUT_MS")));
    bhttp::async_write(m_stream, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
      if (ec || !res->keep_alive() || self->m_server.stopping()) return self->close();
      self->read();
    });
  }

  void close() {
    beast::error_code ec;
    m_stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    m_stream.close();
    m_server.untrack(this);
  }

  beast::tcp_stream m_stream;
  beast::flat_buffer m_buffer;
  std::optional<bhttp::request_parser<bhttp::string_body>> m_parser;
  Server& m_server;
  bool m_reading = false;
  bool m_malformed_url = false;
  std::uint64_t m_requests = 0;
};

Server::Server(net::io_context& ioc, App& app, Router& router)
    : m_ioc(ioc), m_app(app), m_router(router), m_acceptor(net::make_strand(ioc)) {}

void Server::listen() {
  const std::string host = m_app.cfg.text("HOST");
  const auto port = static_cast<unsigned short>(m_app.cfg.integer("PORT"));
  beast::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec) throw core::Error(core::ErrorKind::config, fmt::format("HOST={} is not an IP address", host));
  const tcp::endpoint endpoint(address, port);
  m_acceptor.open(endpoint.protocol(), ec);
  if (!ec) m_acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) m_acceptor.bind(endpoint, ec);
  if (ec == net::error::address_in_use) {
    throw core::Error(core::ErrorKind::conflict,
                      fmt::format("port {} on {} is already in use (another bscbotd? try `bscbot daemon status`); "
                                  "stop it or set PORT to a free port",
                                  port, host));
  }
  if (!ec) m_acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw core::Error(core::ErrorKind::unavailable, fmt::format("cannot listen on {}:{}: {}", host, port, ec.message()));
  m_port = m_acceptor.local_endpoint().port();
  accept();
}

void Server::accept() {
  m_acceptor.async_accept(net::make_strand(m_ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !m_acceptor.is_open()) return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      auto session = std::make_shared<HttpSession>(std::move(socket), *this);
      track(session);
      session->start();
    } else {
      m_app.log->warn("accept failed: {}", ec.message());
    }
    accept();
  });
}

void Server::stop() {
  m_stopping = true;
  net::post(m_acceptor.get_executor(), [this] {
    beast::error_code ec;
    m_acceptor.close(ec);
  });
  std::vector<std::shared_ptr<HttpSession>> sessions;
  {
    std::lock_guard lock(m_mutex);
    for (auto& [_, weak] : m_sessions) {
      if (auto s = weak.lock()) sessions.push_back(std::move(s));
    }
  }
  for (auto& s : sessions) s->stop();
}

void Server::track(const std::shared_ptr<HttpSession>& session) {
  std::lock_guard lock(m_mutex);
  m_sessions[session.get()] = session;
}

void Server::untrack(const HttpSession* session) {
  std::lock_guard lock(m_mutex);
  m_sessions.erase(session);
}

}  // namespace bscbot::daemon::http
