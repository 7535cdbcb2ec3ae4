#pragma once
// A loopback HTTP server that records every request, standing in for Slack, Discord, Telegram
// and generic webhooks in the notification tests. It answers with the statuses it is told to
// (500 then 200, to prove retries), one request per connection.
#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_wire.hpp"

namespace bscbot::test {

using SinkRequest = WireRequest;

class HttpSink {
public:
  HttpSink();
  ~HttpSink();
  HttpSink(const HttpSink&) = delete;
  HttpSink& operator=(const HttpSink&) = delete;

  int port() const { return m_port; }
  std::string url(const std::string& path) const;

  // The next answers, in order (then 200 for ever); a 429 carries `Retry-After: 0`.
  void answer_with(std::vector<int> statuses);

  std::vector<SinkRequest> requests() const;
  // Requests whose target starts with `prefix`.
  std::vector<SinkRequest> requests_to(const std::string& prefix) const;

private:
  void serve();
  void handle(int fd);

  int m_listen = -1;
  int m_port = 0;
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
  mutable std::mutex m_mutex;
  std::vector<SinkRequest> m_requests;
  std::deque<int> m_statuses;
};

}  // namespace bscbot::test
