#include "core/chain/endpoint_health.hpp"

#include <algorithm>
#include <cassert>
#include <numeric>

#include "core/chain/rpc_transport.hpp"
#include "core/config/mask.hpp"

namespace bscbot::core::chain {

EndpointHealth::EndpointHealth(const std::vector<std::string>& urls, HealthPolicy policy, const Clock& clock)
    : m_policy(policy), m_clock(clock) {
  const SystemTime now = m_clock.now();
  for (const std::string& url : urls) {
    Endpoint endpoint;
    endpoint.status.url = config::mask_url(url);
    endpoint.scored_at = now;
    m_endpoints.push_back(std::move(endpoint));
  }
}

double EndpointHealth::current_score(const Endpoint& endpoint) const {
  const auto elapsed = std::chrono::duration<double>(m_clock.now() - endpoint.scored_at).count();
  const double recovered = endpoint.status.score + m_policy.recovery_per_second * std::max(0.0, elapsed);
  return std::min(k_max_score, recovered);
}

void EndpointHealth::rescore(Endpoint& endpoint, double delta) {
  endpoint.status.score = std::clamp(current_score(endpoint) + delta, 0.0, k_max_score);
  endpoint.scored_at = m_clock.now();
}

std::vector<std::size_t> EndpointHealth::order() const {
  std::vector<double> scores;
  scores.reserve(m_endpoints.size());
  for (const Endpoint& e : m_endpoints) scores.push_back(current_score(e));
  std::vector<std::size_t> out(m_endpoints.size());
  std::iota(out.begin(), out.end(), std::size_t{0});
  std::stable_sort(out.begin(), out.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  return out;
}

void EndpointHealth::record_success(std::size_t index, std::chrono::milliseconds latency) {
  assert(index < m_endpoints.size());
  Endpoint& e = m_endpoints[index];
  rescore(e, m_policy.success_gain);
  e.status.consecutive_failures = 0;
  e.status.last_latency_ms = latency.count();
  ++e.status.calls;
}

void EndpointHealth::record_failure(std::size_t index, const std::string& error, std::chrono::milliseconds latency) {
  assert(index < m_endpoints.size());
  Endpoint& e = m_endpoints[index];
  rescore(e, -m_policy.failure_penalty);
  ++e.status.consecutive_failures;
  e.status.last_error = error;
  e.status.last_latency_ms = latency.count();
  ++e.status.calls;
  ++e.status.failures;
}

std::vector<EndpointStatus> EndpointHealth::snapshot() const {
  std::vector<EndpointStatus> out;
  out.reserve(m_endpoints.size());
  for (const Endpoint& e : m_endpoints) {
    out.push_back(e.status);
    out.back().score = current_score(e);
  }
  return out;
}

}  // namespace bscbot::core::chain
