#include "core/db/probe.hpp"

namespace bscbot::core::db {

const char* to_string(DbState s) {
  switch (s) {
    case DbState::unknown: return "unknown";
    case DbState::ok: return "ok";
    case DbState::locked: return "locked";
    case DbState::readonly: return "readonly";
    case DbState::disk_full: return "disk_full";
    case DbState::missing: return "missing";
    case DbState::replaced: return "replaced";
    case DbState::unreachable: return "unreachable";
    case DbState::error: return "error";
  }
  return "unknown";
}

}  // namespace bscbot::core::db
