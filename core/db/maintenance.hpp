#pragma once
// The facts `db stats`, the checks and backups report about a database, whichever backend.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/util/clock.hpp"

namespace bscbot::core::db {

struct TableCount {
  std::string name;
  std::int64_t rows = 0;
};

struct DatabaseStats {
  std::string backend;                     // "sqlite" or "pg"
  std::string location;                    // the file, or the URL without its password
  std::uintmax_t size_bytes = 0;           // the file plus its WAL, or pg_database_size()
  std::optional<std::uintmax_t> wal_bytes; // SQLite: the -wal file
  std::optional<std::int64_t> page_size;   // SQLite
  std::optional<std::int64_t> page_count;
  std::optional<std::int64_t> freelist_pages;
  std::optional<std::string> journal_mode;
  std::optional<std::string> server_version;  // PostgreSQL
  int schema_version = 0;
  std::vector<TableCount> tables;          // trades, users, wallets
  std::optional<SystemTime> oldest_trade;  // MIN(created_at)
  std::optional<SystemTime> newest_trade;  // MAX(created_at)
};

// The tables the manual's verify-backup script requires.
const std::vector<std::string>& required_tables();

// The tables whose rows `db stats` and backup manifests count.
const std::vector<std::string>& counted_tables();

}  // namespace bscbot::core::db
