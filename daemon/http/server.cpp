#include "daemon/http/server.hpp"

#include <fmt/format.h>

#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <algorithm>
#include <array>
#include <optional>
#include <sys/resource.h>

#include "core/config/mask.hpp"
#include "core/error.hpp"
#include "core/version.hpp"
#include "daemon/app.hpp"
#include "daemon/auth.hpp"
#include "daemon/http/message.hpp"
#include "daemon/ws/hub.hpp"

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace bscbot::daemon::http {

namespace {

// Lines about accept failures and refused connections come at most this often, each with the
// count since the previous one, so a flood cannot fill (and rotate away) the log.
constexpr auto k_log_interval = std::chrono::seconds(10);
// How long accepting pauses when the process is out of descriptors (EMFILE/ENFILE): the
// pending connection stays in the backlog, so retrying at once would spin.
constexpr auto k_accept_pause = std::chrono::milliseconds(100);
// Refused connections being answered at once; beyond this they are closed without an answer.
constexpr int k_max_refusing = 64;
// Descriptors kept for everything that is not a client: database connections, the log,
// the listening socket, the RPC client, /proc reads.
constexpr long k_reserved_descriptors = 128;
// The client-controlled parts of the access log line are capped.
constexpr std::size_t k_max_logged_method = 16;
constexpr std::size_t k_max_logged_target = 512;

// `text` cut to `max` bytes, with anything but printable ASCII written as %XX, for the log.
std::string loggable(std::string_view text, std::size_t max) {
  const auto printable = [](char c) { return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f; };
  if (text.size() <= max && std::all_of(text.begin(), text.end(), printable)) return std::string(text);  // nearly every request
  std::string out;
  for (char c : text.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    if (u > 0x20 && u < 0x7f) out += c;
    else out += fmt::format("%{:02X}", u);
  }
  if (text.size() > max) out += fmt::format("...({} bytes)", text.size());
  return out;
}

std::string address_of(const tcp::endpoint& endpoint) {
  const auto a = endpoint.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6()).to_string();
  return a.to_string();
}

// A connection beyond the limits: told why in a short 503, then closed. The answer is written
// at once (the request is not parsed); the socket is drained for at most a second so that
// closing it does not reset the connection under the client before it read the answer.
class RefusedConnection : public std::enable_shared_from_this<RefusedConnection> {
public:
  RefusedConnection(tcp::socket socket, std::shared_ptr<ConnectionSlots> slots, std::string body)
      : m_stream(std::move(socket)), m_slots(std::move(slots)), m_answer(std::make_shared<std::string>()) {
    *m_answer = fmt::format(
        "HTTP/1.1 503 Service Unavailable\r\nServer: bscbotd/{}\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
        "Connection: close\r\nContent-Length: {}\r\n\r\n{}",
        k_version, body.size(), body);
  }
  ~RefusedConnection() { --m_slots->refusing; }

  void start() {
    m_stream.expires_after(std::chrono::seconds(1));
    net::async_write(m_stream, net::buffer(*m_answer), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      self->m_stream.socket().shutdown(tcp::socket::shutdown_send, ec);
      self->drain();
    });
  }

private:
  void drain() {
    m_stream.async_read_some(net::buffer(m_scratch), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (!ec) self->drain();
    });
  }

  beast::tcp_stream m_stream;
  std::shared_ptr<ConnectionSlots> m_slots;
  std::shared_ptr<std::string> m_answer;
  std::array<char, 4096> m_scratch{};
};

}  // namespace

ConnectionBudget plan_connection_budget(long http_setting, long websocket_setting) {
  ConnectionBudget b;
  b.http = static_cast<int>(http_setting);
  b.websocket = static_cast<int>(websocket_setting);
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    b.descriptors = -1;
    return b;
  }
  const rlim_t wanted = static_cast<rlim_t>(http_setting + websocket_setting + k_reserved_descriptors);
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(limit.rlim_max, wanted);
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  b.descriptors = limit.rlim_cur == RLIM_INFINITY ? -1 : static_cast<long>(limit.rlim_cur);
  if (b.descriptors >= 0 && static_cast<rlim_t>(b.descriptors) < wanted) {
    // Split what is left between the two kinds of client, WebSockets getting at most half.
    const long room = std::max(2L, b.descriptors - k_reserved_descriptors);
    b.websocket = static_cast<int>(std::max(1L, std::min(websocket_setting, room / 2)));
    b.http = static_cast<int>(std::max(1L, std::min(http_setting, room - b.websocket)));
    b.clamped = true;
  }
  return b;
}

class HttpSession : public std::enable_shared_from_this<HttpSession> {
public:
  HttpSession(tcp::socket socket, Server& server, std::shared_ptr<ConnectionSlots> slots, std::string address)
      : m_stream(std::move(socket)), m_server(server), m_slots(std::move(slots)), m_address(std::move(address)) {
    beast::error_code ec;
    const auto peer = net::ip::make_address(m_address, ec);
    m_loopback = !ec && peer.is_loopback();
  }
  ~HttpSession() { m_slots->release(m_address); }

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
    const SessionLimits& limits = m_server.limits();
    m_parser.emplace();
    limit_parser(*m_parser, limits.max_request_bytes);
    m_stream.expires_after(m_requests == 0 ? limits.request_timeout : limits.keepalive_timeout);
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
      // A browser page from another origin is refused first: WebSockets have no CORS, so
      // without this any page open on this host could read the live trade stream.
      const auto start = std::chrono::steady_clock::now();
      const Request request = make_request(req);
      if (auto refusal = refuse_cross_origin(m_server.app(), request)) {
        finish(request, "/ws", {std::move(*refusal), "/ws"}, start, req);
        return;
      }
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
  // The peer is the session's (read once when it was admitted), not a getpeername per request.
  Request make_request(const bhttp::request<bhttp::string_body>& req) {
    Request request = to_request(req, m_malformed_url);
    request.remote_address = m_address;
    request.loopback = m_loopback;
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
    // The client writes the method and target: both are capped, and secret query values
    // (?token=, ?password=) masked, before they reach the log.
    app.access().log(level, "{} {} {} {} response_time {:.3f}ms", request.remote_address, loggable(request.method, k_max_logged_method),
                 loggable(core::config::mask_target(target), k_max_logged_target), result.response.status, seconds * 1000.0);
    write(std::move(result.response), req.version(), req.keep_alive(), req.method() == bhttp::verb::head);
  }

  void apply_cors(const Request& request, Response& response) {
    const auto origin = request.header("origin");
    if (!origin) return;
    const auto allowed = allowed_origin(m_server.app().cfg, *origin);
    if (allowed == OriginMatch::none) return;
    response.headers["Access-Control-Allow-Origin"] = allowed == OriginMatch::wildcard ? "*" : *origin;
    response.headers["Vary"] = "Origin";
    response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type";
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, DELETE, OPTIONS";
  }

  void respond_error(int status, const std::string& code, const std::string& message) {
    write(Response::error(status, code, message), 11, false, false);
  }

  void write(Response response, unsigned version, bool keep_alive, bool head) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(static_cast<bhttp::status>(response.status), version);
    static const std::string server = std::string("bscbotd/") + k_version;
    res->set(bhttp::field::server, server);
    res->set(bhttp::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) res->set(name, value);
    res->keep_alive(keep_alive && !m_server.stopping());
    res->body() = std::move(response.body);
    res->prepare_payload();
    if (head) res->body().clear();
    m_stream.expires_after(m_server.limits().request_timeout);
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
  std::shared_ptr<ConnectionSlots> m_slots;
  std::string m_address;  // the peer, whose connection slot this session holds
  bool m_loopback = false;
  bool m_reading = false;
  bool m_malformed_url = false;
  std::uint64_t m_requests = 0;
};

Server::Server(net::io_context& ioc, App& app, Router& router, ConnectionBudget budget)
    : m_ioc(ioc),
      m_app(app),
      m_router(router),
      m_budget(budget),
      m_max_per_ip(static_cast<int>(std::min<std::int64_t>(app.cfg.integer("HTTP_MAX_CONNECTIONS_PER_IP"), budget.http))),
      m_limits{static_cast<std::uint64_t>(app.cfg.integer("MAX_REQUEST_BYTES")), std::chrono::milliseconds(app.cfg.integer("REQUEST_TIMEOUT_MS")),
               std::chrono::milliseconds(app.cfg.integer("KEEPALIVE_TIMEOUT_MS"))},
      m_acceptor(net::make_strand(ioc)),
      m_accept_pause(m_acceptor.get_executor()) {
  m_slots->published = &app.state.http_connections;
  app.state.http_max_connections = budget.http;
}

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
    if (ec) return on_accept_error(ec);
    admit(std::move(socket));
    accept();
  });
}

void Server::on_accept_error(const boost::system::error_code& ec) {
  m_app.metrics.count_accept_error();
  ++m_accept_errors_unlogged;
  const bool out_of_descriptors = ec == net::error::no_descriptors || ec.value() == ENFILE || ec == net::error::no_buffer_space ||
                                  ec == net::error::no_memory;
  const auto now = std::chrono::steady_clock::now();
  if (now - m_accept_error_logged >= k_log_interval) {
    m_app.log->warn("accept failed: {} ({} time(s) in the last {} s){}", ec.message(), m_accept_errors_unlogged,
                    std::chrono::duration_cast<std::chrono::seconds>(k_log_interval).count(),
                    out_of_descriptors ? fmt::format("; out of file descriptors (limit {}): accepting pauses {} ms at a time until "
                                                     "connections close; lower HTTP_MAX_CONNECTIONS or raise LimitNOFILE",
                                                     m_budget.descriptors, k_accept_pause.count())
                                       : std::string());
    m_accept_error_logged = now;
    m_accept_errors_unlogged = 0;
  }
  if (!out_of_descriptors) return accept();
  m_accept_pause.expires_after(k_accept_pause);
  m_accept_pause.async_wait([this](beast::error_code wait_ec) {
    if (!wait_ec && !m_stopping && m_acceptor.is_open()) accept();
  });
}

void Server::admit(tcp::socket socket) {
  beast::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return;  // the peer left before we got to it
  const std::string address = address_of(endpoint);
  enum class Verdict { admitted, full, per_ip } verdict = Verdict::admitted;
  {
    ConnectionSlots& slots = *m_slots;
    std::lock_guard lock(slots.mutex);
    const auto it = slots.per_address.find(address);
    const int mine = it == slots.per_address.end() ? 0 : it->second;
    if (slots.open >= m_budget.http) {
      verdict = Verdict::full;
    } else if (mine >= m_max_per_ip) {
      verdict = Verdict::per_ip;
    } else {
      ++slots.open;
      ++slots.per_address[address];
      if (slots.published) slots.published->store(slots.open);
    }
  }
  if (verdict != Verdict::admitted) return refuse(std::move(socket), address, verdict == Verdict::per_ip);
  socket.set_option(tcp::no_delay(true), ec);
  auto session = std::make_shared<HttpSession>(std::move(socket), *this, m_slots, address);
  track(session);
  session->start();
}

void Server::refuse(tcp::socket socket, const std::string& address, bool per_ip) {
  m_app.metrics.count_connection_refused(per_ip ? "per_ip" : "max_connections");
  const std::string limit = per_ip ? fmt::format("HTTP_MAX_CONNECTIONS_PER_IP={}", m_max_per_ip)
                                   : fmt::format("HTTP_MAX_CONNECTIONS={}", m_budget.http);
  ++m_refusals_unlogged;
  const auto now = std::chrono::steady_clock::now();
  if (now - m_refusal_logged >= k_log_interval) {
    m_app.log->warn("HTTP connection from {} refused with 503: {} reached ({} refused in the last {} s)", address, limit,
                    m_refusals_unlogged, std::chrono::duration_cast<std::chrono::seconds>(k_log_interval).count());
    m_refusal_logged = now;
    m_refusals_unlogged = 0;
  }
  if (m_slots->refusing.load() >= k_max_refusing) {
    beast::error_code ec;
    socket.close(ec);  // answering costs a descriptor too; past this many, just close
    return;
  }
  ++m_slots->refusing;
  const std::string body = nlohmann::json{{"error", fmt::format("too many connections ({} reached); try again shortly", limit)},
                                          {"code", "too_many_connections"},
                                          {"status", 503}}
                               .dump();
  std::make_shared<RefusedConnection>(std::move(socket), m_slots, body)->start();
}

void ConnectionSlots::release(const std::string& address) {
  std::lock_guard lock(mutex);
  --open;
  if (published) published->store(open);
  const auto it = per_address.find(address);
  if (it != per_address.end() && --it->second <= 0) per_address.erase(it);
}

void Server::stop() {
  m_stopping = true;
  net::post(m_acceptor.get_executor(), [this] {
    beast::error_code ec;
    m_acceptor.close(ec);
    m_accept_pause.cancel();
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
