#pragma once
// JSON-RPC 2.0 over several node endpoints: calls go to the healthiest endpoint whose circuit is
// closed; a failure (no answer, a timeout, a rate limit, an unusable answer) fails over to the
// next endpoint at once, and only the last one left is retried with exponential backoff; the
// node's own error answers come back as RpcError without retrying. Every attempt is reported
// to an observer (calls, errors and latency per endpoint and method). Thread-safe.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/chain/endpoint_health.hpp"
#include "core/chain/hex.hpp"
#include "core/chain/rpc_transport.hpp"
#include "core/error.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::chain {

// How one HTTP attempt ended, for the per-endpoint, per-method counters.
enum class RpcOutcome { ok, node_error, refused, timeout, rate_limited, bad_answer };
std::string_view to_string(RpcOutcome outcome);

struct RpcAttempt {
  const std::string& endpoint;  // redacted URL
  std::string_view method;      // "eth_call", or "batch:eth_call" for a batch
  RpcOutcome outcome;
  std::chrono::microseconds latency;
};
using RpcObserver = std::function<void(const RpcAttempt&)>;

struct RpcOptions {
  std::chrono::milliseconds timeout{5000};       // of one HTTP request (RPC_TIMEOUT_MS)
  int retries = 2;                               // extra attempts on the last endpoint left (RPC_RETRIES)
  std::chrono::milliseconds backoff_base{100};   // wait before the first retry; doubles for each further one
  std::chrono::milliseconds backoff_max{2000};   // cap on one wait
  HealthPolicy health;
  // How to wait between retries; empty means std::this_thread::sleep_for. Tests record instead.
  std::function<void(std::chrono::milliseconds)> sleep;
  RpcObserver observer;
};

// No endpoint gave a usable answer. `delivery` says whether the request may have reached a
// node anyway (some attempt broke after sending), which decides whether a transaction counts
// as sent.
class NoAnswerError : public Error {
public:
  NoAnswerError(const std::string& message, Delivery delivery) : Error(ErrorKind::unavailable, message), m_delivery(delivery) {}
  Delivery delivery() const { return m_delivery; }

private:
  Delivery m_delivery;
};

// Whether a JSON-RPC error object says "too many requests" (code -32005 or 429, or the words),
// which is a reason to try another endpoint, not an answer.
bool is_rate_limit_error(const nlohmann::json& error);

// An error answer from the node itself: the request reached it and it refused (a revert, a
// nonce too low, an unknown method). Kind is `unavailable` for codes that say the node cannot
// serve right now (internal error, limit exceeded, method not available), `data` otherwise.
class RpcError : public Error {
public:
  RpcError(std::string method, std::int64_t code, std::string node_message, nlohmann::json data);

  // What the node said, as it said it: callers branch on `code` (3 = revert with data,
  // -32000 = geth's generic refusal such as "nonce too low") and log `node_message`.
  const std::string& method() const { return m_method; }
  std::int64_t code() const { return m_code; }
  const std::string& node_message() const { return m_node_message; }
  const nlohmann::json& data() const { return m_data; }

  // True for a contract revert (code 3, or a message starting "execution reverted"), as
  // opposed to a refused request.
  bool is_revert() const;

  // The revert data when the node sent it as hex (ABI-encoded Error(string), Panic or a custom
  // error), for decode_revert_reason().
  std::optional<Bytes> revert_data() const;

private:
  std::string m_method;
  std::int64_t m_code;
  std::string m_node_message;
  nlohmann::json m_data;
};

struct RpcRequest {
  std::string method;
  nlohmann::json params = nlohmann::json::array();
};

// One answer of a batch: a result, or the node's error for that request.
struct RpcResponse {
  nlohmann::json result;
  std::optional<RpcError> error;
};

class RpcClient {
public:
  // `urls` in order of preference; throws core::Error(config) when empty.
  RpcClient(std::vector<std::string> urls, RpcOptions options, std::shared_ptr<RpcTransport> transport,
            const Clock& clock = system_clock());

  // Calls `method` and returns its result (which may be null). Throws RpcError when the node
  // answers with an error, core::Error(unavailable) when no endpoint gave a usable answer.
  nlohmann::json call(const std::string& method, const nlohmann::json& params = nlohmann::json::array());

  // Sends all `requests` in one HTTP request and returns their results in the same order; the
  // first error answer (in request order) is thrown as RpcError.
  std::vector<nlohmann::json> batch(const std::vector<RpcRequest>& requests);

  // Like batch(), but each request's error is returned in its slot instead of thrown, so one
  // failing quote does not hide the others. A node refusing the whole batch still throws.
  std::vector<RpcResponse> batch_responses(const std::vector<RpcRequest>& requests);

  // The endpoints' health, in configured order.
  std::vector<EndpointStatus> endpoints() const;

  // When some endpoint last gave a usable answer (a node error counts: the node is there);
  // nullopt before the first.
  std::optional<SystemTime> last_answer() const;

private:
  // Parses and checks an answer body; throws to mark the answer unusable (a failure of the
  // endpoint, like a dropped connection).
  using Validator = std::function<nlohmann::json(const std::string& body)>;

  // Sends `body` until some endpoint gives an answer `validate` accepts; `method` labels the
  // attempts for the observer.
  nlohmann::json exchange(const std::string& what, std::string_view method, const std::string& body, const Validator& validate);
  void wait(std::chrono::milliseconds delay) const;

  std::vector<std::string> m_urls;
  std::vector<std::string> m_shown_urls;  // redacted, for errors and the observer
  RpcOptions m_options;
  std::shared_ptr<RpcTransport> m_transport;
  std::atomic<std::uint64_t> m_next_id{1};
  mutable std::mutex m_mutex;
  EndpointHealth m_health;  // guarded by m_mutex
};

}  // namespace bscbot::core::chain
