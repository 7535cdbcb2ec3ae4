#include "core/trade/nonce_manager.hpp"

#include <fmt/format.h>

#include <charconv>

#include "core/error.hpp"

namespace bscbot::core::trade {

DbNonceStore::DbNonceStore(db::StateStore& state, const std::string& address) : m_state(state), m_key("next_nonce:" + address) {}

std::optional<std::uint64_t> DbNonceStore::load() {
  const auto text = m_state.get(m_key);
  if (!text) return std::nullopt;
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size()) {
    throw Error(ErrorKind::database, fmt::format("daemon_state '{}' holds '{}', not a nonce", m_key, *text));
  }
  return value;
}

void DbNonceStore::save(std::uint64_t next) {
  m_state.set(m_key, std::to_string(next));
}

NonceStart NonceManager::start(std::uint64_t chain_pending, InFlight in_flight) {
  std::lock_guard lock(m_mutex);
  NonceStart result;
  result.stored = m_store.load();
  std::uint64_t next = std::max(result.stored.value_or(0), chain_pending);
  if (next > chain_pending && in_flight == InFlight::no) {
    next = chain_pending;
    result.gap_closed = true;
  }
  if (result.stored != next) m_store.save(next);
  m_next = next;
  result.next = next;
  return result;
}

std::uint64_t NonceManager::reserve() {
  std::lock_guard lock(m_mutex);
  if (!m_next) throw Error(ErrorKind::internal, "nonce manager used before start()");
  const std::uint64_t nonce = *m_next;
  m_store.save(nonce + 1);
  m_next = nonce + 1;
  return nonce;
}

void NonceManager::release(std::uint64_t nonce) {
  std::lock_guard lock(m_mutex);
  if (!m_next || *m_next != nonce + 1) return;
  m_store.save(nonce);
  m_next = nonce;
}

void NonceManager::resync(std::uint64_t chain_pending) {
  std::lock_guard lock(m_mutex);
  m_store.save(chain_pending);
  m_next = chain_pending;
}

std::uint64_t NonceManager::next() const {
  std::lock_guard lock(m_mutex);
  if (!m_next) throw Error(ErrorKind::internal, "nonce manager used before start()");
  return *m_next;
}

bool NonceManager::started() const {
  std::lock_guard lock(m_mutex);
  return m_next.has_value();
}

}  // namespace bscbot::core::trade
