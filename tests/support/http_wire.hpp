#pragma once
// The HTTP/1.1 framing the loopback servers of the tests share (the webhook sink, the RPC fault
// proxy): one request read from a socket, one response written to it. Enough HTTP for libcurl
// as a client: Content-Length bodies, no chunked requests.
#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace bscbot::test {

struct WireRequest {
  std::string method;
  std::string target;                          // path and query
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// Reads one request from `fd`; nothing when the peer closes, sends garbage, or nothing
// arrives within `idle` (waiting in slices of `slice`, so `stop` can end the wait).
std::optional<WireRequest> read_request(int fd, std::chrono::milliseconds idle, const std::atomic<bool>* stop = nullptr,
                                        std::chrono::milliseconds slice = std::chrono::milliseconds(50));

// Writes a whole response; `keep_alive` false adds `Connection: close`.
void write_response(int fd, int status, const std::string& body, bool keep_alive,
                    const std::map<std::string, std::string>& headers = {});

// A loopback listening socket on `port` (0: any free one); returns the fd and sets `port`.
int listen_loopback(int& port);

}  // namespace bscbot::test
