#pragma once
// Small databases and files for the backup unit tests (test_backup_*.cpp).
#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/backup/daemon_handle.hpp"
#include "core/backup/sha256.hpp"
#include "core/error.hpp"
#include "core/db/database.hpp"
#include "core/util/clock.hpp"
#include "tests/support/stores.hpp"

namespace bscbot::test::backup {

// Records `n` trades in the database at `path` (one short transaction each, as the daemon does).
inline void add_trades(const std::filesystem::path& path, int n) {
  auto store = sqlite_file_store(path, {});
  for (int i = 0; i < n; ++i) store->trades().insert(sample_trade("0x1111111111111111111111111111111111111111", std::to_string(1000 + i) + "000000000000000000"));
}

// A migrated bscbot database at `path` holding `trades` trades, checkpointed and closed.
inline void make_database(const std::filesystem::path& path, int trades) {
  sqlite_file_store(path);
  add_trades(path, trades);
}

// Read-write on purpose: a read-only connection to a WAL database leaves -wal and -shm behind,
// and the tests check that nothing is left beside a restored database.
inline std::int64_t count_trades(const std::filesystem::path& path) {
  SQLite::Database db(path.string(), SQLite::OPEN_READWRITE);
  return db.execAndGet("SELECT COUNT(*) FROM trades").getInt64();
}

inline std::string sha(const std::filesystem::path& path) { return core::backup::sha256_file(path); }

// Overwrites `bytes` bytes at `offset` of `path` with 0x5a.
inline void scribble(const std::filesystem::path& path, std::uintmax_t offset, std::size_t bytes) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  const std::string junk(bytes, '\x5a');
  f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
}

// Cuts `path` down to `size` bytes.
inline void truncate_to(const std::filesystem::path& path, std::uintmax_t size) { std::filesystem::resize_file(path, size); }

inline core::SystemTime utc(const std::string& text) { return core::parse_sql_datetime(text); }

// bscbotd as restore sees it, without a process: counts stops and starts, fails starts on request.
class FakeDaemon final : public core::backup::DaemonHandle {
public:
  bool up = true;
  int stops = 0;
  int starts = 0;
  int failing_starts = 0;  // how many of the next starts fail
  pid_t pid = 4000;
  std::optional<pid_t> running() override { return up ? std::optional<pid_t>(pid) : std::nullopt; }
  void stop() override {
    ++stops;
    up = false;
  }
  pid_t start() override {
    ++starts;
    if (failing_starts > 0) {
      --failing_starts;
      throw core::Error(core::ErrorKind::unavailable, "bscbotd exited with code 78 during start-up");
    }
    up = true;
    return ++pid;
  }
};

}  // namespace bscbot::test::backup
