#pragma once
// Database failures that say whether the statement surely did not happen, and a write that is
// repeated until it does. A trade write must never be given up because the database was locked
// for a few seconds (issue 13 row 4: a mined swap left pending, a submitted swap failed after
// the 5 s busy timeout): the trade engine repeats it until it succeeds.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "core/error.hpp"

namespace bscbot::core::db {

enum class DbFailure {
  transient,        // did not take effect and may succeed later: locked, busy, timed out, read-only, disk full, no connection free
  connection_lost,  // the connection broke mid-statement: a write may or may not have committed
  permanent,        // will fail the same way again: a constraint, a bug, a damaged file
};

class DbError : public Error {
public:
  DbError(ErrorKind kind, const std::string& message, DbFailure failure) : Error(kind, message), m_failure(failure) {}
  DbFailure failure() const { return m_failure; }

private:
  DbFailure m_failure;
};

// Whether `e` left the database unchanged and is worth repeating. A plain core::Error of kind
// unavailable (no connection could be opened or borrowed) is transient too.
inline bool is_transient(const Error& e) {
  if (const auto* db = dynamic_cast<const DbError*>(&e)) return db->failure() == DbFailure::transient;
  return e.kind() == ErrorKind::unavailable;
}

// Whether repeating the write after a lost connection is safe: a conditional update ("where
// still pending") is; an insert is not (it could land twice).
enum class Idempotent { no, yes };

struct RetryPolicy {
  Idempotent idempotent = Idempotent::yes;
  std::chrono::milliseconds first_wait{100};
  std::chrono::milliseconds max_wait{2000};
  // Give up (rethrow) after this long; none: repeat until it succeeds or `stopping` says so.
  std::optional<std::chrono::milliseconds> give_up_after;
  // Asked before each wait; true rethrows the last error (the daemon is stopping).
  std::function<bool()> stopping;
  // Told of each failure that will be repeated (for a log line).
  std::function<void(const Error&, int attempt)> on_retry;
  // How to wait; empty means sleep. Tests record instead.
  std::function<void(std::chrono::milliseconds)> sleep;
};

// Runs `write` and returns what it returns, repeating it after failures that left nothing
// behind (and, for idempotent writes, after lost connections), with doubling waits.
template <typename F>
auto retry_write(const RetryPolicy& policy, F&& write) -> decltype(write()) {
  const auto started = std::chrono::steady_clock::now();
  auto wait = policy.first_wait;
  for (int attempt = 1;; ++attempt) {
    try {
      return write();
    } catch (const Error& e) {
      const auto* db = dynamic_cast<const DbError*>(&e);
      const bool repeatable =
          is_transient(e) || (policy.idempotent == Idempotent::yes && db && db->failure() == DbFailure::connection_lost);
      if (!repeatable) throw;
      if (policy.give_up_after && std::chrono::steady_clock::now() - started + wait > *policy.give_up_after) throw;
      if (policy.stopping && policy.stopping()) throw;
      if (policy.on_retry) policy.on_retry(e, attempt);
      if (policy.sleep) policy.sleep(wait);
      else std::this_thread::sleep_for(wait);
      wait = std::min(wait * 2, policy.max_wait);
    }
  }
}

}  // namespace bscbot::core::db
