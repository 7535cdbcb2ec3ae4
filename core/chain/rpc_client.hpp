#pragma once
// JSON-RPC 2.0 over several node endpoints: calls go to the healthiest endpoint first, transport
// failures are retried with exponential backoff and then failed over to the next endpoint, and
// the node's own error answers come back as RpcError without retrying. Thread-safe.
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

struct RpcOptions {
  std::chrono::milliseconds timeout{5000};       // of one HTTP request (RPC_TIMEOUT_MS)
  int retries = 2;                               // extra attempts on one endpoint before failing over (RPC_RETRIES)
  std::chrono::milliseconds backoff_base{100};   // wait before the first retry; doubles for each further one
  std::chrono::milliseconds backoff_max{2000};   // cap on one wait
  HealthPolicy health;
  // How to wait between retries; empty means std::this_thread::sleep_for. Tests record instead.
  std::function<void(std::chrono::milliseconds)> sleep;
};

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

private:
  // Parses and checks an answer body; throws to mark the answer unusable (a failure of the
  // endpoint, like a dropped connection).
  using Validator = std::function<nlohmann::json(const std::string& body)>;

  // Sends `body` until some endpoint gives an answer `validate` accepts.
  nlohmann::json exchange(const std::string& what, const std::string& body, const Validator& validate);
  void wait(std::chrono::milliseconds delay) const;

  std::vector<std::string> m_urls;
  RpcOptions m_options;
  std::shared_ptr<RpcTransport> m_transport;
  std::atomic<std::uint64_t> m_next_id{1};
  mutable std::mutex m_mutex;
  EndpointHealth m_health;  // guarded by m_mutex
};

}  // namespace bscbot::core::chain
