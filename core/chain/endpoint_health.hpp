#pragma once
// Which JSON-RPC endpoint to ask first. Each endpoint has a score from 0 to 100: answers raise
// it, failures lower it, and a lowered score climbs back with time, so a node that failed is
// tried again later instead of being dropped for good. Not thread-safe; RpcClient locks.
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
};

// One endpoint's state, for metrics, `health` and logs.
struct EndpointStatus {
  std::string url;  // as configured, with its secrets (password, API key) masked
  double score = 100.0;
  std::uint32_t consecutive_failures = 0;
  std::string last_error;                        // empty until the first failure
  std::optional<std::int64_t> last_latency_ms;   // of the last attempt, answered or not
  std::uint64_t calls = 0;                       // HTTP requests sent
  std::uint64_t failures = 0;                    // requests that got no usable answer
};

class EndpointHealth {
public:
  static constexpr double k_max_score = 100.0;

  EndpointHealth(const std::vector<std::string>& urls, HealthPolicy policy, const Clock& clock);

  // Endpoint indices, healthiest first; equal scores keep the configured order, so the
  // primary endpoint is preferred whenever it is as healthy as the rest.
  std::vector<std::size_t> order() const;

  // Accounts one attempt on endpoint `index`: an answer raises its score and ends its failure
  // streak; a failure lowers the score and keeps `error` for the operator.
  void record_success(std::size_t index, std::chrono::milliseconds latency);
  void record_failure(std::size_t index, const std::string& error, std::chrono::milliseconds latency);

  std::size_t size() const { return m_endpoints.size(); }

  // Every endpoint's state with its current (time-recovered) score, in configured order.
  std::vector<EndpointStatus> snapshot() const;

private:
  struct Endpoint {
    EndpointStatus status;
    SystemTime scored_at;  // when status.score was last set; recovery counts from here
  };

  double current_score(const Endpoint& endpoint) const;
  void rescore(Endpoint& endpoint, double delta);

  std::vector<Endpoint> m_endpoints;
  HealthPolicy m_policy;
  const Clock& m_clock;
};

}  // namespace bscbot::core::chain
