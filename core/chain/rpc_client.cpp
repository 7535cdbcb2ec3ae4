#include "core/chain/rpc_client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "core/config/mask.hpp"

namespace bscbot::core::chain {

namespace {

using nlohmann::json;

// An answer that arrived but cannot be used (not JSON, wrong id, neither result nor error):
// counted against the endpoint like a dropped connection.
class BadAnswer : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// JSON-RPC / EIP-1474 codes meaning "this node cannot serve that now", not "your request is bad".
ErrorKind kind_for_code(std::int64_t code) {
  switch (code) {
    case -32603:  // internal error
    case -32601:  // method not found (disabled on this node)
    case -32002:  // resource unavailable
    case -32004:  // method not supported
    case -32005:  // limit exceeded
      return ErrorKind::unavailable;
    default:
      return ErrorKind::data;
  }
}

std::string excerpt(const std::string& body) {
  constexpr std::size_t k_max = 120;
  return body.size() <= k_max ? body : body.substr(0, k_max) + "...";
}

json parse_answer(const std::string& body) {
  try {
    return json::parse(body);
  } catch (const json::parse_error&) {
    throw BadAnswer(fmt::format("answer is not JSON: {}", excerpt(body)));
  }
}

bool has_error(const json& answer) { return answer.contains("error") && !answer["error"].is_null(); }

RpcError make_error(const std::string& method, const json& error) {
  std::int64_t code = 0;
  std::string message;
  json data;
  if (error.is_object()) {
    if (error.contains("code") && error["code"].is_number_integer()) code = error["code"].get<std::int64_t>();
    if (error.contains("message") && error["message"].is_string()) message = error["message"].get<std::string>();
    if (error.contains("data")) data = error["data"];
  }
  if (message.empty()) message = error.dump();
  return RpcError(method, code, std::move(message), std::move(data));
}

}  // namespace

RpcError::RpcError(std::string method, std::int64_t code, std::string node_message, nlohmann::json data)
    : Error(kind_for_code(code), fmt::format("{}: {} (JSON-RPC error {})", method, node_message, code)),
      m_method(std::move(method)),
      m_code(code),
      m_node_message(std::move(node_message)),
      m_data(std::move(data)) {}

bool RpcError::is_revert() const { return m_code == 3 || m_node_message.rfind("execution reverted", 0) == 0; }

std::optional<Bytes> RpcError::revert_data() const {
  const json* hex = &m_data;
  // Some providers nest it: {"data": {"message": ..., "data": "0x..."}}.
  if (m_data.is_object() && m_data.contains("data")) hex = &m_data["data"];
  if (!hex->is_string()) return std::nullopt;
  return try_from_hex(hex->get<std::string>());
}

RpcClient::RpcClient(std::vector<std::string> urls, RpcOptions options, std::shared_ptr<RpcTransport> transport,
                     const Clock& clock)
    : m_urls(std::move(urls)),
      m_options(std::move(options)),
      m_transport(std::move(transport)),
      m_health(m_urls, m_options.health, clock) {
  if (m_urls.empty()) throw Error(ErrorKind::config, "no JSON-RPC endpoint configured (set BSC_RPC_URL)");
  if (!m_transport) throw Error(ErrorKind::internal, "RpcClient needs a transport");
  if (m_options.retries < 0) throw Error(ErrorKind::config, "RPC retries must not be negative");
  // curl reads a zero timeout as "wait forever", which would hang the trading loop.
  if (m_options.timeout.count() <= 0) throw Error(ErrorKind::config, "RPC timeout must be positive");
}

void RpcClient::wait(std::chrono::milliseconds delay) const {
  if (m_options.sleep) m_options.sleep(delay);
  else std::this_thread::sleep_for(delay);
}

json RpcClient::exchange(const std::string& what, const std::string& body, const Validator& validate) {
  std::vector<std::size_t> order;
  {
    std::lock_guard lock(m_mutex);
    order = m_health.order();
  }
  std::string last_error;
  int attempts = 0;
  for (std::size_t index : order) {
    const std::string& url = m_urls[index];
    for (int attempt = 0; attempt <= m_options.retries; ++attempt) {
      if (attempt > 0) {
        const auto doubled = m_options.backoff_base * (std::int64_t{1} << std::min(attempt - 1, 20));
        wait(std::min(doubled, m_options.backoff_max));
      }
      ++attempts;
      const auto started = std::chrono::steady_clock::now();
      const auto elapsed = [&] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
      };
      try {
        json answer = validate(m_transport->post(url, body, m_options.timeout));
        std::lock_guard lock(m_mutex);
        m_health.record_success(index, elapsed());
        return answer;
      } catch (const BadAnswer& e) {
        last_error = fmt::format("{}: {}", config::mask_url(url), e.what());
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::unavailable) throw;
        last_error = e.what();
      }
      std::lock_guard lock(m_mutex);
      m_health.record_failure(index, last_error, elapsed());
    }
  }
  throw Error(ErrorKind::unavailable, fmt::format("{}: no JSON-RPC endpoint answered ({} attempts on {} endpoints); last error: {}",
                                                  what, attempts, order.size(), last_error));
}

json RpcClient::call(const std::string& method, const json& params) {
  const std::uint64_t id = m_next_id.fetch_add(1);
  const json request = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
  json answer = exchange(method, request.dump(), [id](const std::string& body) {
    json parsed = parse_answer(body);
    if (!parsed.is_object()) throw BadAnswer(fmt::format("answer is not a JSON-RPC object: {}", excerpt(body)));
    const json answer_id = parsed.value("id", json());
    // A node that could not read the request answers its error with a null id.
    if (answer_id != json(id) && !(has_error(parsed) && answer_id.is_null())) {
      throw BadAnswer(fmt::format("answer id {} does not match request id {}", answer_id.dump(), id));
    }
    if (!has_error(parsed) && !parsed.contains("result")) throw BadAnswer("answer has neither result nor error");
    return parsed;
  });
  if (has_error(answer)) throw make_error(method, answer["error"]);
  return std::move(answer["result"]);
}

std::vector<RpcResponse> RpcClient::batch_responses(const std::vector<RpcRequest>& requests) {
  if (requests.empty()) return {};
  const std::size_t n = requests.size();
  const std::uint64_t first_id = m_next_id.fetch_add(n);
  json request = json::array();
  for (std::size_t i = 0; i < n; ++i) {
    request.push_back({{"jsonrpc", "2.0"}, {"id", first_id + i}, {"method", requests[i].method}, {"params", requests[i].params}});
  }
  const std::string what = fmt::format("batch of {} ({}{})", n, requests[0].method, n > 1 ? ", ..." : "");
  json answer = exchange(what, request.dump(), [first_id, n](const std::string& body) {
    json parsed = parse_answer(body);
    if (parsed.is_object() && has_error(parsed)) return parsed;  // the node refused the whole batch
    if (!parsed.is_array()) throw BadAnswer(fmt::format("batch answer is not an array: {}", excerpt(body)));
    json ordered = json::array();
    for (std::size_t i = 0; i < n; ++i) ordered.push_back(nullptr);
    for (const json& element : parsed) {
      if (!element.is_object() || !element.contains("id") || !element["id"].is_number_unsigned()) {
        throw BadAnswer(fmt::format("batch answer element without a numeric id: {}", excerpt(element.dump())));
      }
      const std::uint64_t id = element["id"].get<std::uint64_t>();
      if (id < first_id || id - first_id >= n) throw BadAnswer(fmt::format("batch answer has unknown id {}", id));
      json& slot = ordered[id - first_id];
      if (!slot.is_null()) throw BadAnswer(fmt::format("batch answer repeats id {}", id));
      if (!has_error(element) && !element.contains("result")) {
        throw BadAnswer(fmt::format("batch answer for id {} has neither result nor error", id));
      }
      slot = element;
    }
    const auto missing = std::find(ordered.begin(), ordered.end(), json(nullptr));
    if (missing != ordered.end()) {
      throw BadAnswer(fmt::format("batch answer lacks id {}", first_id + static_cast<std::uint64_t>(missing - ordered.begin())));
    }
    return ordered;
  });
  if (answer.is_object()) throw make_error(what, answer["error"]);

  std::vector<RpcResponse> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    json& element = answer[i];
    RpcResponse response;
    if (has_error(element)) response.error = make_error(requests[i].method, element["error"]);
    else response.result = std::move(element["result"]);
    out.push_back(std::move(response));
  }
  return out;
}

std::vector<json> RpcClient::batch(const std::vector<RpcRequest>& requests) {
  std::vector<RpcResponse> responses = batch_responses(requests);
  std::vector<json> out;
  out.reserve(responses.size());
  for (RpcResponse& response : responses) {
    if (response.error) throw *response.error;
    out.push_back(std::move(response.result));
  }
  return out;
}

std::vector<EndpointStatus> RpcClient::endpoints() const {
  std::lock_guard lock(m_mutex);
  return m_health.snapshot();
}

}  // namespace bscbot::core::chain
