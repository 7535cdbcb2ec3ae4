#pragma once
// The next nonce of the trading account. One sender thread owns it; every nonce it hands out is
// written to durable storage before the transaction is signed, so a restart never hands out a
// nonce twice, and a nonce the node refused is given back so no gap stalls later swaps.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "core/db/state_store.hpp"

namespace bscbot::core::trade {

// Where the next nonce survives restarts (daemon_state in the database; a map in tests).
class NonceStore {
public:
  virtual ~NonceStore() = default;
  virtual std::optional<std::uint64_t> load() = 0;
  // Must be durable when it returns; throws core::Error when it cannot be.
  virtual void save(std::uint64_t next) = 0;
};

// daemon_state row "next_nonce:<address>".
class DbNonceStore final : public NonceStore {
public:
  DbNonceStore(db::StateStore& state, const std::string& address);
  std::optional<std::uint64_t> load() override;
  void save(std::uint64_t next) override;

private:
  db::StateStore& m_state;
  std::string m_key;
};

// Whether any transaction of ours may still be mined (a pending trade the node still knows).
enum class InFlight { no, yes };

struct NonceStart {
  std::uint64_t next = 0;
  std::optional<std::uint64_t> stored;  // what the store held
  bool gap_closed = false;              // stored nonces that never reached the chain were reused
};

class NonceManager {
public:
  explicit NonceManager(NonceStore& store) : m_store(store) {}

  // Chooses the first nonce at start-up: max(stored, `chain_pending`) — the node may not know a
  // transaction we sent before a crash, and the store remembers it. When the store is ahead but
  // nothing of ours is in flight, the nonces in between were reserved for transactions that
  // never reached the chain, and the chain's count is taken so later swaps do not wait forever.
  NonceStart start(std::uint64_t chain_pending, InFlight in_flight);

  // Hands out the next nonce, after storing its successor. Throws (and hands out nothing) when
  // the store fails.
  std::uint64_t reserve();

  // Gives back `nonce` when the node refused its transaction outright; only the last nonce
  // handed out can be given back.
  void release(std::uint64_t nonce);

  // Takes the chain's count after one of our transactions was dropped (nothing in flight).
  void resync(std::uint64_t chain_pending);

  std::uint64_t next() const;
  bool started() const;

private:
  NonceStore& m_store;
  mutable std::mutex m_mutex;
  std::optional<std::uint64_t> m_next;
};

}  // namespace bscbot::core::trade
