#pragma once
// How JSON-RPC requests reach a node: an interface, so unit tests can script node answers and
// failures, and a libcurl implementation that keeps connections alive between calls.
#include <chrono>
#include <memory>
#include <string>

#include "core/error.hpp"

namespace bscbot::core::chain {

// A request that got no usable HTTP answer. Kind is always unavailable; `http_status` is 0
// when no answer came at all (refused, timed out, DNS), else the non-2xx status.
class TransportError : public Error {
public:
  TransportError(const std::string& message, long http_status)
      : Error(ErrorKind::unavailable, message), m_http_status(http_status) {}
  long http_status() const { return m_http_status; }

private:
  long m_http_status;
};

class RpcTransport {
public:
  virtual ~RpcTransport() = default;

  // POSTs `body` (JSON) to `url` and returns the body of a 2xx answer; throws TransportError
  // on connection failure, timeout or an HTTP error status. Safe to call from many threads.
  virtual std::string post(const std::string& url, const std::string& body, std::chrono::milliseconds timeout) = 0;
};

// The real transport: a small pool of reusable curl handles per URL, so repeated calls ride
// the same keep-alive (TLS) connection instead of reconnecting, while concurrent callers each
// get their own handle.
std::shared_ptr<RpcTransport> make_curl_transport();

}  // namespace bscbot::core::chain
