#include "tests/support/http_sink.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace bscbot::test {

HttpSink::HttpSink() {
  m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(m_listen, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(m_listen, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(m_listen, 64) != 0) {
    throw std::runtime_error(std::string("http sink: ") + std::strerror(errno));
  }
  socklen_t len = sizeof addr;
  ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&addr), &len);
  m_port = ntohs(addr.sin_port);
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
  std::string data;
  char buf[8192];
  std::size_t header_end = std::string::npos;
  std::size_t length = 0;
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return;
    data.append(buf, static_cast<std::size_t>(n));
    if (header_end == std::string::npos) {
      header_end = data.find("\r\n\r\n");
      if (header_end == std::string::npos) continue;
      std::string lower = data.substr(0, header_end);
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      const auto cl = lower.find("content-length:");
      if (cl != std::string::npos) length = std::stoul(lower.substr(cl + 15));
    }
    if (data.size() >= header_end + 4 + length) break;
  }
  SinkRequest r;
  const std::string head = data.substr(0, header_end);
  std::size_t line_end = head.find("\r\n");
  const std::string request_line = head.substr(0, line_end);
  const auto sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
  r.method = request_line.substr(0, sp1);
  r.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    auto end = head.find("\r\n", pos);
    if (end == std::string::npos) end = head.size();
    const std::string line = head.substr(pos, end - pos);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      r.headers[name] = value;
    }
    pos = end + 2;
  }
  r.body = data.substr(header_end + 4, length);
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
  std::string response = "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : " Error") + "\r\nContent-Type: application/json\r\n";
  if (status == 429) response += "Retry-After: 0\r\n";
  response += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  ::send(fd, response.data(), response.size(), MSG_NOSIGNAL);
}

}  // namespace bscbot::test
