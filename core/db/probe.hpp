#pragma once
// Can the database take a write right now? Asked every second by the daemon's worker loop and
// once by `bscbot health`; the answer separates "locked" from "read-only" from "disk full"
// from "unreachable".
#include <cstdint>
#include <optional>
#include <string>

namespace bscbot::core::db {

enum class DbState { unknown, ok, locked, readonly, disk_full, missing, replaced, unreachable, error };
const char* to_string(DbState s);

struct WriteProbe {
  DbState state = DbState::unknown;
  std::string error;                         // the backend's words, when not ok
  std::optional<std::uintmax_t> size_bytes;  // the database's size, when cheap to know
  std::optional<std::uintmax_t> free_bytes;  // free space where it grows (SQLite: its folder)
};

// Whether the free space is enough for the next writes is DISK_FREE_MIN_MB's to say
// (core/checks/disk.hpp's with_margin), on the free_bytes a store reports.

}  // namespace bscbot::core::db
