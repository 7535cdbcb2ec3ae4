#pragma once
// A JSON-RPC node that misbehaves on demand, for the fault suites: a loopback HTTP server that
// forwards each request to a real node (anvil) while the fault is `none`, and otherwise fails it
// the way real BSC endpoints do. The fault can change at any moment; requests already held by a
// hung node are let go (closed unanswered) when it does.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace bscbot::test {

enum class RpcFault {
  none,          // forward to the node
  dead,          // not listening: connections are refused
  hung,          // accepts and reads the request, never answers
  slow,          // answers, after the set delay
  flapping,      // every other request gets 502 Bad Gateway without reaching the node
  rate_limited,  // HTTP 429 with Retry-After, as public endpoints answer a burst
  garbage,       // 200 with a body that is not JSON
};

class RpcFaultProxy {
public:
  explicit RpcFaultProxy(std::string upstream);
  ~RpcFaultProxy();
  RpcFaultProxy(const RpcFaultProxy&) = delete;
  RpcFaultProxy& operator=(const RpcFaultProxy&) = delete;

  std::string url() const;
  void set(RpcFault fault, std::chrono::milliseconds delay = std::chrono::milliseconds(0));

  // Requests that arrived (whatever was done with them), and those passed to the node, by method.
  int received() const { return m_received.load(); }
  int forwarded(const std::string& method) const;

private:
  void accept_loop();
  void serve(int fd);
  void listen_now();  // (re)opens the listening socket on the same port

  const std::string m_upstream;
  int m_port = 0;
  std::atomic<int> m_listen{-1};
  std::atomic<bool> m_stop{false};
  std::atomic<int> m_received{0};
  std::atomic<unsigned> m_sequence{0};

  mutable std::mutex m_mutex;
  std::condition_variable m_changed;
  RpcFault m_fault = RpcFault::none;
  std::chrono::milliseconds m_delay{0};
  unsigned m_generation = 0;  // bumped by set(): a hung request waits for the next one
  std::map<std::string, int> m_forwarded;
  int m_connections = 0;

  std::thread m_acceptor;
};

}  // namespace bscbot::test
