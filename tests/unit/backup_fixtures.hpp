#pragma once
// Small databases and files for the backup unit tests (test_backup_*.cpp).
#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/backup/sha256.hpp"
#include "core/db/database.hpp"
#include "core/db/migrations.hpp"
#include "core/db/trade_repository.hpp"
#include "core/util/clock.hpp"

namespace bscbot::test::backup {

// Records `n` trades in the database at `path` (one short transaction each, as the daemon does).
inline void add_trades(const std::filesystem::path& path, int n) {
  auto db = core::db::open_database(path, core::db::Access::read_write);
  core::db::TradeRepository repo(*db);
  for (int i = 0; i < n; ++i) {
    core::db::NewTrade t;
    t.wallet_address = "0x1111111111111111111111111111111111111111";
    t.token_in = "0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c";
    t.token_out = "0x0e09fabb73bd3ade0a17ecc321fd13a19e81ce82";
    t.amount_in = std::to_string(1000 + i) + "000000000000000000";
    t.path = t.token_in + "," + t.token_out;
    repo.insert(t);
  }
}

// A migrated bscbot database at `path` holding `trades` trades, checkpointed and closed.
inline void make_database(const std::filesystem::path& path, int trades) {
  {
    auto db = core::db::open_database(path, core::db::Access::create);
    core::db::migrate(*db, path.string());
  }
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

}  // namespace bscbot::test::backup
