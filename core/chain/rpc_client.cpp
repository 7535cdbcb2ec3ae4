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

// A well-formed answer saying "too many requests": the endpoint is fine but must be left alone
// for a while, and the call goes to the next one.
class RateLimited : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

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
  } catch (const json::exception&) {
    // parse_error, and out_of_range for a number past a double's range ("id":1e999): neither
    // may leave the client as anything but the node's bad answer (found by fuzz_rpc_response).
    throw BadAnswer(fmt::format("answer is not JSON: {}", excerpt(body)));
  }
}

bool has_error(const json& answer) { return answer.contains("error") && !answer["error"].is_null(); }

void refuse_rate_limit(const json& answer) {
  if (answer.is_object() && has_error(answer) && is_rate_limit_error(answer["error"])) {
    throw RateLimited(fmt::format("rate limited: {}", excerpt(answer["error"].dump())));
  }
}

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

std::string_view to_string(RpcOutcome outcome) {
  switch (outcome) {
    case RpcOutcome::ok: return "ok";
    case RpcOutcome::node_error: return "node_error";
    case RpcOutcome::refused: return "refused";
    case RpcOutcome::timeout: return "timeout";
    case RpcOutcome::rate_limited: return "rate_limited";
    case RpcOutcome::bad_answer: return "bad_answer";
  }
  return "unknown";
}

bool is_rate_limit_error(const json& error) {
  if (!error.is_object()) return false;
  if (error.contains("code") && error["code"].is_number_integer()) {
    const auto code = error["code"].get<std::int64_t>();
    if (code == -32005 || code == 429) return true;
  }
  if (!error.contains("message") || !error["message"].is_string()) return false;
  const std::string m = lower(error["message"].get<std::string>());
  for (const char* words : {"rate limit", "too many requests", "limit exceeded", "request limit", "exceeded the quota"}) {
    if (m.find(words) != std::string::npos) return true;
  }
  return false;
}

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
  for (const std::string& url : m_urls) m_shown_urls.push_back(config::mask_url(url));
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

json RpcClient::exchange(const std::string& what, std::string_view method, const std::string& body, const Validator& validate) {
  EndpointOrder order;
  {
    std::lock_guard lock(m_mutex);
    order = m_health.order();
  }
  // Every endpoint's circuit is open: ask the one that closes first, rather than none.
  std::vector<std::size_t> candidates = order.eligible;
  if (candidates.empty() && !order.open.empty()) candidates.push_back(order.open.front());
  std::string last_error;
  int attempts = 0;
  Delivery delivery = Delivery::not_delivered;
  for (std::size_t position = 0; position < candidates.size(); ++position) {
    const std::size_t index = candidates[position];
    const std::string& url = m_urls[index];
    const std::string& shown = m_shown_urls[index];
    // Another endpoint is left: fail over at once instead of waiting out retries on this one.
    const int tries = position + 1 < candidates.size() ? 1 : m_options.retries + 1;
    for (int attempt = 0; attempt < tries; ++attempt) {
      if (attempt > 0) {
        const auto doubled = m_options.backoff_base * (std::int64_t{1} << std::min(attempt - 1, 20));
        wait(std::min(doubled, m_options.backoff_max));
      }
      ++attempts;
      const auto started = std::chrono::steady_clock::now();
      const auto elapsed = [&] { return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started); };
      const auto report = [&](RpcOutcome outcome, std::chrono::microseconds took) {
        if (m_options.observer) m_options.observer(RpcAttempt{shown, method, outcome, took});
      };
      FailureKind kind = FailureKind::bad_answer;
      try {
        json answer = validate(m_transport->post(url, body, m_options.timeout));
        const auto took = elapsed();
        {
          std::lock_guard lock(m_mutex);
          m_health.record_success(index, std::chrono::duration_cast<std::chrono::milliseconds>(took));
        }
        report(answer.is_object() && has_error(answer) ? RpcOutcome::node_error : RpcOutcome::ok, took);
        return answer;
      } catch (const RateLimited& e) {
        last_error = fmt::format("{}: {}", shown, e.what());
        kind = FailureKind::rate_limited;
        // The node read the request: a transaction in it may have been taken.
        delivery = Delivery::maybe_delivered;
      } catch (const BadAnswer& e) {
        last_error = fmt::format("{}: {}", shown, e.what());
        delivery = Delivery::maybe_delivered;
      } catch (const TransportError& e) {
        last_error = e.what();
        kind = e.http_status() == 429                                 ? FailureKind::rate_limited
               : e.cause() == TransportError::Cause::timeout          ? FailureKind::timeout
               : e.cause() == TransportError::Cause::http_status      ? FailureKind::bad_answer
                                                                      : FailureKind::refused;
        if (e.delivery() == Delivery::maybe_delivered) delivery = Delivery::maybe_delivered;
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::unavailable) throw;
        last_error = e.what();
        kind = FailureKind::refused;
        delivery = Delivery::maybe_delivered;
      }
      const auto took = elapsed();
      {
        std::lock_guard lock(m_mutex);
        m_health.record_failure(index, last_error, std::chrono::duration_cast<std::chrono::milliseconds>(took), kind);
      }
      report(kind == FailureKind::rate_limited ? RpcOutcome::rate_limited
             : kind == FailureKind::timeout    ? RpcOutcome::timeout
             : kind == FailureKind::refused    ? RpcOutcome::refused
                                               : RpcOutcome::bad_answer,
             took);
    }
  }
  const std::size_t skipped = order.eligible.empty() ? order.open.size() - (candidates.empty() ? 0 : 1) : order.open.size();
  throw NoAnswerError(fmt::format("{}: no JSON-RPC endpoint answered ({} attempts on {} endpoints{}); last error: {}", what, attempts,
                                  candidates.size(), skipped > 0 ? fmt::format(", {} more cooling off after failures", skipped) : "",
                                  last_error.empty() ? "none" : last_error),
                      delivery);
}

json RpcClient::call(const std::string& method, const json& params) {
  const std::uint64_t id = m_next_id.fetch_add(1);
  const json request = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
  json answer = exchange(method, method, request.dump(), [id](const std::string& body) {
    json parsed = parse_answer(body);
    if (!parsed.is_object()) throw BadAnswer(fmt::format("answer is not a JSON-RPC object: {}", excerpt(body)));
    refuse_rate_limit(parsed);
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
  const std::string label = "batch:" + requests[0].method;
  json answer = exchange(what, label, request.dump(), [first_id, n](const std::string& body) {
    json parsed = parse_answer(body);
    refuse_rate_limit(parsed);
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
      refuse_rate_limit(element);
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

std::optional<SystemTime> RpcClient::last_answer() const {
  std::lock_guard lock(m_mutex);
  return m_health.last_answer();
}

}  // namespace bscbot::core::chain
