#pragma once
// The next nonce of one wallet, for its sender. Nothing is stored here: every transaction is
// recorded in the database (with its nonce) before it is broadcast, so after a restart or a
// takeover the sender rebuilds the lane from those records and the chain (plan_nonces).
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

namespace bscbot::core::trade {

class NonceLane {
public:
  void start(std::uint64_t next);
  // Forgets everything (the lease was lost): nothing can be sent until start() again.
  void reset();
  bool started() const;
  // The nonce the next new transaction takes; throws core::Error(internal) before start().
  std::uint64_t next() const;
  // A transaction at `nonce` left this process: the next one takes a higher nonce.
  void taken(std::uint64_t nonce);
  // The node refused the transaction at `nonce` outright: if nothing above it was handed out,
  // the nonce is free again (no gap).
  bool give_back(std::uint64_t nonce);
  // Takes the chain's count (our nonces were used by someone else).
  void resync(std::uint64_t chain_pending);

private:
  mutable std::mutex m_mutex;
  std::optional<std::uint64_t> m_next;
};

struct NoncePlan {
  std::uint64_t next = 0;
  std::vector<std::uint64_t> gaps;  // nonces below `next` that nothing holds: later ones wait for them
};

// Where a wallet's sender starts: `chain_latest` (mined) and `chain_pending` (mined plus the
// node's pool) from the node, and the nonces our live transactions hold. Nonces from the pool's
// count up to our highest live one that hold nothing are gaps, which stall every transaction
// above them until filled; the next new nonce is past both the pool and our highest.
NoncePlan plan_nonces(std::uint64_t chain_latest, std::uint64_t chain_pending, const std::set<std::uint64_t>& live);

}  // namespace bscbot::core::trade
