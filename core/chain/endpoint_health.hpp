#pragma once
// Which JSON-RPC endpoint to ask first, and which not to ask at all for a while. Each endpoint
// has a score from 0 to 100: answers raise it, failures lower it, and a lowered score climbs
// back with time. On top of the score sits a circuit breaker: a failure opens the endpoint's
// circuit for a cool-off that doubles with every failure in a row (a hung node that swallows
// requests is remembered, instead of costing a full request timeout again as soon as its score
// has recovered), and an answer closes it. Not thread-safe; RpcClient locks.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/util/clock.hpp"

namespace bscbot::core::chain {

struct HealthPolicy {
  double success_gain = 10.0;         // points an answer adds
  double failure_penalty = 30.0;      // points a failure takes away
  double recovery_per_second = 1.0;   // points a penalised endpoint regains per second
  std::chrono::milliseconds cool_off_base{1000};   // circuit open after the first failure in a row
  std::chrono::milliseconds cool_off_max{300000};  // longest cool-off, however many failures
};

// Why an attempt got no usable answer: each is counted and shown apart, since a rate limit
// asks for patience and a hung node for suspicion.
enum class FailureKind {
  refused,       // no connection (refused, DNS, reset before an answer)
  timeout,       // connected or connecting, and no answer within the timeout: a hung node
  rate_limited,  // HTTP 429 or a JSON-RPC "limit exceeded" answer
  bad_answer,    // an HTTP error status or an answer that is not usable JSON-RPC
};
std::string_view to_string(FailureKind kind);

// One endpoint's state, for metrics, `health` and logs.
struct EndpointStatus {
  std::string url;  // as configured, with its secrets (password, API key) masked
  double score = 100.0;
  std::uint32_t consecutive_failures = 0;
  std::string last_error;                        // empty until the first failure
  std::optional<std::int64_t> last_latency_ms;   // of the last attempt, answered or not
  std::uint64_t calls = 0;                       // HTTP requests sent
  std::uint64_t failures = 0;                    // requests that got no usable answer
  std::uint64_t timeouts = 0;                    // of which no answer within the timeout
  std::uint64_t rate_limited = 0;                // of which refused for a rate limit
  std::string last_failure;                      // FailureKind of the last failure, "" before one
  bool circuit_open = false;                     // skipped until the cool-off ends
  std::int64_t cool_off_ms = 0;                  // length of the current (or last) cool-off
  std::int64_t open_for_ms = 0;                  // time left in the cool-off
  // "ok", "degraded" (failed lately, circuit closed again), "open" or "rate_limited".
  std::string state() const;
};

// The endpoints to try for one call: the eligible ones best first, then those whose circuit is
// open, soonest to close first (asked only when no eligible endpoint is left).
struct EndpointOrder {
  std::vector<std::size_t> eligible;
  std::vector<std::size_t> open;
};

class EndpointHealth {
public:
  static constexpr double k_max_score = 100.0;

  EndpointHealth(const std::vector<std::string>& urls, HealthPolicy policy, const Clock& clock);

  // Eligible endpoints healthiest first (equal scores keep the configured order, so the primary
  // is preferred whenever it is as healthy as the rest), then the open ones.
  EndpointOrder order() const;

  // Accounts one attempt on endpoint `index`: an answer raises its score, ends its failure
  // streak and closes its circuit; a failure lowers the score, keeps `error` for the operator
  // and opens the circuit for the next cool-off.
  void record_success(std::size_t index, std::chrono::milliseconds latency);
  void record_failure(std::size_t index, const std::string& error, std::chrono::milliseconds latency,
                      FailureKind kind = FailureKind::refused);

  std::size_t size() const { return m_endpoints.size(); }

  // Every endpoint's state with its current (time-recovered) score, in configured order.
  std::vector<EndpointStatus> snapshot() const;

  // When any endpoint last gave a usable answer; nullopt before the first.
  std::optional<SystemTime> last_answer() const { return m_last_answer; }

private:
  struct Endpoint {
    EndpointStatus status;
    SystemTime scored_at;  // when status.score was last set; recovery counts from here
    SystemTime open_until;
  };

  double current_score(const Endpoint& endpoint) const;
  void rescore(Endpoint& endpoint, double delta);
  bool is_open(const Endpoint& endpoint) const { return m_clock.now() < endpoint.open_until; }

  std::vector<Endpoint> m_endpoints;
  HealthPolicy m_policy;
  const Clock& m_clock;
  std::optional<SystemTime> m_last_answer;
};

}  // namespace bscbot::core::chain
