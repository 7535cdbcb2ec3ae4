#pragma once
// One audit finding: what was checked, how bad, what was seen, what to do.
#include <string>

#include "core/checks/status.hpp"

namespace bscbot::core::audit {

struct Finding {
  std::string id;                                // stable, e.g. "jwt_secret"
  std::string title;                             // what was checked
  checks::Status severity = checks::Status::ok;  // OK passed; WARN, CRIT; UNKNOWN could not check
  std::string evidence;                          // what was seen
  std::string fix;                               // what to do (empty when it passed)
};

}  // namespace bscbot::core::audit
