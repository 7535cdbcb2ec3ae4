#include "core/chain/endpoint_health.hpp"

#include <algorithm>
#include <cassert>
#include <numeric>

#include "core/chain/rpc_transport.hpp"
#include "core/config/mask.hpp"

namespace bscbot::core::chain {

std::string_view to_string(FailureKind kind) {
  switch (kind) {
    case FailureKind::refused: return "refused";
    case FailureKind::timeout: return "timeout";
    case FailureKind::rate_limited: return "rate_limited";
    case FailureKind::bad_answer: return "bad_answer";
  }
  return "unknown";
}

std::string EndpointStatus::state() const {
  if (circuit_open) return last_failure == "rate_limited" ? "rate_limited" : "open";
  return consecutive_failures > 0 ? "degraded" : "ok";
}

EndpointHealth::EndpointHealth(const std::vector<std::string>& urls, HealthPolicy policy, const Clock& clock)
    : m_policy(policy), m_clock(clock) {
  const SystemTime now = m_clock.now();
  for (const std::string& url : urls) {
    Endpoint endpoint;
    endpoint.status.url = config::mask_url(url);
    endpoint.scored_at = now;
    endpoint.open_until = now;
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

EndpointOrder EndpointHealth::order() const {
  std::vector<double> scores;
  scores.reserve(m_endpoints.size());
  for (const Endpoint& e : m_endpoints) scores.push_back(current_score(e));
  EndpointOrder out;
  for (std::size_t i = 0; i < m_endpoints.size(); ++i) (is_open(m_endpoints[i]) ? out.open : out.eligible).push_back(i);
  std::stable_sort(out.eligible.begin(), out.eligible.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  std::stable_sort(out.open.begin(), out.open.end(),
                   [&](std::size_t a, std::size_t b) { return m_endpoints[a].open_until < m_endpoints[b].open_until; });
  return out;
}

void EndpointHealth::record_success(std::size_t index, std::chrono::milliseconds latency) {
  assert(index < m_endpoints.size());
  Endpoint& e = m_endpoints[index];
  rescore(e, m_policy.success_gain);
  e.status.consecutive_failures = 0;
  e.status.last_latency_ms = latency.count();
  ++e.status.calls;
  e.open_until = m_clock.now();
  e.status.cool_off_ms = 0;
  m_last_answer = m_clock.now();
}

void EndpointHealth::record_failure(std::size_t index, const std::string& error, std::chrono::milliseconds latency, FailureKind kind) {
  assert(index < m_endpoints.size());
  Endpoint& e = m_endpoints[index];
  rescore(e, -m_policy.failure_penalty);
  ++e.status.consecutive_failures;
  e.status.last_error = error;
  e.status.last_latency_ms = latency.count();
  ++e.status.calls;
  ++e.status.failures;
  if (kind == FailureKind::timeout) ++e.status.timeouts;
  if (kind == FailureKind::rate_limited) ++e.status.rate_limited;
  e.status.last_failure = std::string(to_string(kind));
  // The cool-off doubles with each failure in a row, so an endpoint that keeps failing (a hung
  // node costs a whole timeout per try) is asked ever more rarely until it answers again.
  const int doublings = static_cast<int>(std::min<std::uint32_t>(e.status.consecutive_failures - 1, 30));
  const auto grown = m_policy.cool_off_base * (std::int64_t{1} << std::min(doublings, 20));
  const auto cool_off = std::min(grown, m_policy.cool_off_max);
  e.status.cool_off_ms = cool_off.count();
  e.open_until = m_clock.now() + cool_off;
}

std::vector<EndpointStatus> EndpointHealth::snapshot() const {
  std::vector<EndpointStatus> out;
  out.reserve(m_endpoints.size());
  const SystemTime now = m_clock.now();
  for (const Endpoint& e : m_endpoints) {
    out.push_back(e.status);
    out.back().score = current_score(e);
    out.back().circuit_open = is_open(e);
    out.back().open_for_ms = is_open(e) ? std::chrono::duration_cast<std::chrono::milliseconds>(e.open_until - now).count() : 0;
  }
  return out;
}

}  // namespace bscbot::core::chain
