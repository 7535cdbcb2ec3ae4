#include "tests/support/http_sink.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace bscbot::test {

HttpSink::HttpSink() {
  m_listen = listen_loopback(m_port);
  m_thread = std::thread([this] { serve(); });
}

HttpSink::~HttpSink() {
  m_stop = true;
  m_thread.join();
  ::close(m_listen);
}

std::string HttpSink::url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(m_port) + path; }

void HttpSink::answer_with(std::vector<int> statuses) {
  std::lock_guard lock(m_mutex);
  m_statuses.assign(statuses.begin(), statuses.end());
}

std::vector<SinkRequest> HttpSink::requests() const {
  std::lock_guard lock(m_mutex);
  return m_requests;
}

std::vector<SinkRequest> HttpSink::requests_to(const std::string& prefix) const {
  std::vector<SinkRequest> out;
  for (auto& r : requests()) {
    if (r.target.rfind(prefix, 0) == 0) out.push_back(r);
  }
  return out;
}

void HttpSink::serve() {
  while (!m_stop) {
    pollfd p{m_listen, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      handle(fd);
      ::close(fd);
    }
  }
}

void HttpSink::handle(int fd) {
  const auto request = read_request(fd, std::chrono::milliseconds(5000));
  if (!request) return;
  const SinkRequest& r = *request;
  int status = 200;
  {
    std::lock_guard lock(m_mutex);
    m_requests.push_back(r);
    if (!m_statuses.empty()) {
      status = m_statuses.front();
      m_statuses.pop_front();
    }
  }
  const std::string body = status == 200 ? R"({"ok":true})" : R"({"ok":false,"description":"sink says no"})";
  std::map<std::string, std::string> headers;
  if (status == 429) headers["Retry-After"] = "0";
  write_response(fd, status, body, false, headers);
}

}  // namespace bscbot::test
