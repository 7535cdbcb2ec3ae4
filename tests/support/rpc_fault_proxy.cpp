#include "tests/support/rpc_fault_proxy.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/net/http_client.hpp"
#include "tests/support/http_wire.hpp"

namespace bscbot::test {
namespace {

// The methods of a JSON-RPC body, one per call of a batch.
std::vector<std::string> methods_of(const std::string& body) {
  std::vector<std::string> out;
  const auto j = nlohmann::json::parse(body, nullptr, false);
  auto add = [&](const nlohmann::json& call) {
    if (call.is_object() && call.contains("method") && call["method"].is_string()) out.push_back(call["method"]);
  };
  if (j.is_array()) {
    for (const auto& call : j) add(call);
  } else {
    add(j);
  }
  return out;
}

}  // namespace

RpcFaultProxy::RpcFaultProxy(std::string upstream) : m_upstream(std::move(upstream)) {
  listen_now();
  m_acceptor = std::thread([this] { accept_loop(); });
}

RpcFaultProxy::~RpcFaultProxy() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_changed.notify_all();
  m_acceptor.join();
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [&] { return m_connections == 0; });
  if (m_listen >= 0) ::close(m_listen);
}

std::string RpcFaultProxy::url() const { return "http://127.0.0.1:" + std::to_string(m_port) + "/"; }

void RpcFaultProxy::set(RpcFault fault, std::chrono::milliseconds delay) {
  std::unique_lock lock(m_mutex);
  m_fault = fault;
  m_delay = delay;
  ++m_generation;
  m_changed.notify_all();
  // A dead node refuses connections from the moment set() returns, and a revived one accepts.
  m_changed.wait(lock, [&] { return (m_listen.load() < 0) == (fault == RpcFault::dead); });
}

int RpcFaultProxy::forwarded(const std::string& method) const {
  std::lock_guard lock(m_mutex);
  const auto it = m_forwarded.find(method);
  return it == m_forwarded.end() ? 0 : it->second;
}

void RpcFaultProxy::listen_now() { m_listen = listen_loopback(m_port); }

// Only this thread opens and closes the listening socket, so poll never sees a closed fd.
void RpcFaultProxy::accept_loop() {
  while (!m_stop) {
    {
      std::lock_guard lock(m_mutex);
      const bool dead = m_fault == RpcFault::dead;
      if (dead && m_listen >= 0) {
        ::close(m_listen);
        m_listen = -1;
        m_changed.notify_all();
      } else if (!dead && m_listen < 0) {
        listen_now();
        m_changed.notify_all();
      }
    }
    if (m_listen < 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    pollfd p{m_listen, POLLIN, 0};
    if (::poll(&p, 1, 10) <= 0) continue;
    const int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    {
      std::lock_guard lock(m_mutex);
      ++m_connections;
    }
    std::thread([this, fd] {
      serve(fd);
      ::close(fd);
      std::lock_guard lock(m_mutex);
      --m_connections;
      m_changed.notify_all();
    }).detach();
  }
}

// Keep-alive, as libcurl expects: requests on one connection until the client closes it or the
// node "dies".
void RpcFaultProxy::serve(int fd) {
  while (true) {
    const auto request = read_request(fd, std::chrono::milliseconds(30000), &m_stop, std::chrono::milliseconds(20));
    if (!request) return;
    ++m_received;
    RpcFault fault;
    std::chrono::milliseconds delay;
    unsigned generation;
    {
      std::lock_guard lock(m_mutex);
      fault = m_fault;
      delay = m_delay;
      generation = m_generation;
    }
    switch (fault) {
      case RpcFault::dead: return;  // died with the request unanswered
      case RpcFault::hung: {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [&] { return m_stop || m_generation != generation; });
        return;
      }
      case RpcFault::rate_limited:
        write_response(fd, 429, R"({"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"rate limit exceeded"}})", true,
                       {{"Retry-After", "1"}});
        continue;
      case RpcFault::garbage:
        write_response(fd, 200, "<html><body>502 upstream unavailable</body></html>", true, {{"Content-Type", "text/html"}});
        continue;
      case RpcFault::flapping:
        if (m_sequence++ % 2 == 0) {
          write_response(fd, 502, "bad gateway", true, {{"Content-Type", "text/plain"}});
          continue;
        }
        break;
      case RpcFault::slow: {
        std::unique_lock lock(m_mutex);
        m_changed.wait_for(lock, delay, [&] { return m_stop.load(); });
        break;
      }
      case RpcFault::none: break;
    }
    core::net::HttpRequest up;
    up.method = "POST";
    up.url = m_upstream;
    up.body = request->body;
    up.headers["Content-Type"] = "application/json";
    up.timeout = std::chrono::milliseconds(30000);
    core::net::HttpResponse answer;
    try {
      answer = core::net::perform(up);
    } catch (const std::exception&) {
      return;  // the node itself is gone: so is this connection
    }
    {
      std::lock_guard lock(m_mutex);
      for (const auto& m : methods_of(request->body)) ++m_forwarded[m];
    }
    write_response(fd, static_cast<int>(answer.status), answer.body, true);
  }
}

}  // namespace bscbot::test
