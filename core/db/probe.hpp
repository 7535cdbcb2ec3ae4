#pragma once
// Can the database take a write right now? Asked every second by the daemon's worker loop and
// once by `bscbot health`; the answer separates "locked" from "read-only" from "disk full".
#include <SQLiteCpp/Database.h>

#include <filesystem>
#include <string>

namespace bscbot::core::db {

enum class DbState { unknown, ok, locked, readonly, disk_full, missing, replaced, error };
const char* to_string(DbState s);

struct WriteProbe {
  DbState state = DbState::unknown;
  std::string error;  // SQLite's words, when not ok
};

// Takes and releases the write lock (BEGIN IMMEDIATE; ROLLBACK) without changing a byte; waits
// up to the connection's busy timeout for a lock held by someone else.
WriteProbe probe_writable(SQLite::Database& db);

// Classifies an SQLite failure by its result code.
DbState classify(const SQLite::Exception& e);

// Below this much free space SQLite's next page allocation may fail: report disk_full early.
inline constexpr std::uintmax_t k_min_free_bytes = 1024 * 1024;

}  // namespace bscbot::core::db
