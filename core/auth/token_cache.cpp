#include "core/auth/token_cache.hpp"

namespace bscbot::core::auth {

Verdict TokenCache::verify(std::string_view secret, std::string_view token, const Clock& clock) {
  {
    std::lock_guard lock(m_mutex);
    if (secret != m_secret) {
      m_tokens.clear();
      m_secret = std::string(secret);
    } else if (const auto it = m_tokens.find(std::string(token)); it != m_tokens.end()) {
      return judge_times(it->second, clock);
    }
  }
  auto checked = check_signed_token(secret, token);  // outside the lock: the costly part
  if (!checked.token) return checked.refused;
  Verdict verdict = judge_times(*checked.token, clock);
  std::lock_guard lock(m_mutex);
  // Only tokens signed with the secret can be here, so a flood of them needs the secret: when
  // full, start again rather than track which was used last.
  if (secret == m_secret) {
    if (m_tokens.size() >= m_capacity) m_tokens.clear();
    m_tokens.emplace(std::string(token), std::move(*checked.token));
  }
  return verdict;
}

}  // namespace bscbot::core::auth
