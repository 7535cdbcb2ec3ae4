#include "core/trade/nonce_lane.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace bscbot::core::trade {

void NonceLane::start(std::uint64_t next) {
  std::lock_guard lock(m_mutex);
  m_next = next;
}

void NonceLane::reset() {
  std::lock_guard lock(m_mutex);
  m_next.reset();
}

bool NonceLane::started() const {
  std::lock_guard lock(m_mutex);
  return m_next.has_value();
}

std::uint64_t NonceLane::next() const {
  std::lock_guard lock(m_mutex);
  if (!m_next) throw Error(ErrorKind::internal, "nonce lane used before it was started");
  return *m_next;
}

void NonceLane::taken(std::uint64_t nonce) {
  std::lock_guard lock(m_mutex);
  if (!m_next) throw Error(ErrorKind::internal, "nonce lane used before it was started");
  m_next = std::max(*m_next, nonce + 1);
}

bool NonceLane::give_back(std::uint64_t nonce) {
  std::lock_guard lock(m_mutex);
  if (!m_next || *m_next != nonce + 1) return false;
  m_next = nonce;
  return true;
}

void NonceLane::resync(std::uint64_t chain_pending) {
  std::lock_guard lock(m_mutex);
  m_next = std::max(m_next.value_or(0), chain_pending);
}

NoncePlan plan_nonces(std::uint64_t chain_latest, std::uint64_t chain_pending, const std::set<std::uint64_t>& live) {
  NoncePlan plan;
  const std::uint64_t pool = std::max(chain_latest, chain_pending);
  plan.next = pool;
  if (!live.empty()) plan.next = std::max(plan.next, *live.rbegin() + 1);
  // Below the pool's count every nonce is mined or waiting in the pool (ours or not): nothing
  // to fill. From there up to our highest, a nonce nothing holds keeps the rest from mining.
  for (std::uint64_t n = pool; n < plan.next; ++n) {
    if (!live.contains(n)) plan.gaps.push_back(n);
  }
  return plan;
}

}  // namespace bscbot::core::trade
