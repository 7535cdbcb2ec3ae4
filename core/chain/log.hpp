#pragma once
// An event log as a receipt carries it.
#include <vector>

#include "core/chain/address.hpp"
#include "core/chain/hex.hpp"

namespace bscbot::core::chain {

struct Log {
  Address address;              // the contract that emitted it
  std::vector<Bytes32> topics;  // topics[0] is the event signature hash, then indexed arguments
  Bytes data;                   // the ABI-encoded non-indexed arguments
};

}  // namespace bscbot::core::chain
