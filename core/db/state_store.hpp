#pragma once
// The daemon's small durable key-value state (the next nonce per account), in daemon_state.
#include <optional>
#include <string>

namespace bscbot::core::db {

class StateStore {
public:
  virtual ~StateStore() = default;

  // The value stored under `key`, or nullopt.
  virtual std::optional<std::string> get(const std::string& key) = 0;

  // Stores `value` under `key` (insert or replace) and moves updated_at; durable when it returns.
  virtual void set(const std::string& key, const std::string& value) = 0;
};

}  // namespace bscbot::core::db
