#pragma once
// The manual's nightly database maintenance (size, cleanup, VACUUM, ANALYZE) and the facts
// `db stats` and the checks report about a database file.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace SQLite {
class Database;
}

namespace bscbot::core::db {

struct TableCount {
  std::string name;
  std::int64_t rows = 0;
};

struct DatabaseStats {
  std::string path;
  std::uintmax_t file_bytes = 0;
  std::uintmax_t wal_bytes = 0;
  std::int64_t page_size = 0;
  std::int64_t page_count = 0;
  std::int64_t freelist_pages = 0;
  std::string journal_mode;
  int schema_version = 0;
  std::vector<TableCount> tables;          // trades, users, wallets
  std::optional<std::string> oldest_trade; // MIN(created_at)
  std::optional<std::string> newest_trade; // MAX(created_at)
};

DatabaseStats collect_stats(SQLite::Database& db, const std::filesystem::path& path);

// Row counts of the tables a bscbot database must have; missing tables are omitted.
std::vector<TableCount> count_rows(SQLite::Database& db);

// The tables the manual's verify-backup script requires.
const std::vector<std::string>& required_tables();

// Rebuilds the file to return free pages to the filesystem; returns bytes reclaimed.
std::int64_t vacuum(SQLite::Database& db, const std::filesystem::path& path);

// Refreshes the query planner's statistics.
void analyze(SQLite::Database& db);

}  // namespace bscbot::core::db
