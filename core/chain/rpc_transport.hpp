#pragma once
// How JSON-RPC requests reach a node: an interface, so unit tests can script node answers and
// failures, and a libcurl implementation that keeps connections alive between calls.
#include <chrono>
#include <memory>
#include <string>

#include "core/error.hpp"

namespace bscbot::core::chain {

// Whether a request that failed may still have reached the node: a signed transaction that
// may have arrived must be treated as sent, one that surely did not must not.
enum class Delivery {
  not_delivered,    // no connection was made, or the server answered with an error status
  maybe_delivered,  // the connection broke or timed out after the request went out
};

// A request that got no usable HTTP answer. Kind is always unavailable; `http_status` is 0
// when no answer came at all (refused, timed out, DNS), else the non-2xx status.
class TransportError : public Error {
public:
  enum class Cause { refused, timeout, http_status };
  TransportError(const std::string& message, long http_status)
      : TransportError(message, http_status, http_status != 0 ? Cause::http_status : Cause::refused,
                       http_status != 0 ? Delivery::not_delivered : Delivery::maybe_delivered) {}
  TransportError(const std::string& message, long http_status, Cause cause, Delivery delivery)
      : Error(ErrorKind::unavailable, message), m_http_status(http_status), m_cause(cause), m_delivery(delivery) {}
  long http_status() const { return m_http_status; }
  Cause cause() const { return m_cause; }
  Delivery delivery() const { return m_delivery; }

private:
  long m_http_status;
  Cause m_cause;
  Delivery m_delivery;
};

class RpcTransport {
public:
  virtual ~RpcTransport() = default;

  // POSTs `body` (JSON) to `url` and returns the body of a 2xx answer; throws TransportError
  // on connection failure, timeout or an HTTP error status. Safe to call from many threads.
  virtual std::string post(const std::string& url, const std::string& body, std::chrono::milliseconds timeout) = 0;
};

struct TransportOptions {
  // Longest wait for the TCP (and TLS) connection, far shorter than a request's timeout: a dead
  // or unroutable node is given up on in about a second, while a slow answer from a live one
  // gets the whole RPC_TIMEOUT_MS (RPC_CONNECT_TIMEOUT_MS).
  std::chrono::milliseconds connect_timeout{1000};
};

// The real transport: a small pool of reusable curl handles per URL, so repeated calls ride
// the same keep-alive (TLS) connection instead of reconnecting, while concurrent callers each
// get their own handle.
std::shared_ptr<RpcTransport> make_curl_transport(TransportOptions options = {});

}  // namespace bscbot::core::chain
