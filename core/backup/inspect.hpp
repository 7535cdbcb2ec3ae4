#pragma once
// What a database file holds, read without changing it: the header, the schema version, the
// manual's row counts and newest trade, and SQLite's own integrity verdict. The manifest records
// these facts when a backup is made; verify and restore compare against them.
#include <SQLiteCpp/Database.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/db/maintenance.hpp"
#include "core/db/migrations.hpp"

namespace bscbot::core::backup {

enum class CheckLevel { none, quick, full };

std::string_view to_string(CheckLevel level);

// "none", "quick" or "full"; nullopt otherwise.
std::optional<CheckLevel> parse_check_level(std::string_view text);

// The first 100 bytes of an SQLite file, decoded.
struct FileHeader {
  bool sqlite = false;             // "SQLite format 3\0"
  std::uint32_t page_size = 0;
  std::uint32_t page_count = 0;    // the in-header size, when page_count_valid
  bool page_count_valid = false;
  int write_version = 0;           // 1 rollback journal, 2 WAL
  std::uint32_t application_id = 0;
  std::uint32_t user_version = 0;
};

// Decodes the header of `path`; `sqlite` is false for anything shorter or foreign.
FileHeader read_header(const std::filesystem::path& path);

struct DatabaseFacts {
  std::int64_t page_size = 0;
  std::int64_t page_count = 0;
  std::uint32_t application_id = 0;
  int user_version = 0;
  db::SchemaStatus schema;
  std::vector<db::TableCount> tables;         // trades, users, wallets
  std::vector<std::string> missing_tables;    // of db::required_tables()
  std::optional<std::string> newest_trade;    // MAX(created_at)
  std::optional<std::int64_t> max_trade_id;
  std::string check = "skipped";              // "ok" or SQLite's findings
  bool check_ok() const { return check == "ok" || check == "skipped"; }
  std::int64_t rows(std::string_view table) const;
};

// Opens `path` read-only as an immutable file: no locks, no -wal or -shm created beside it, and a
// WAL-mode header (a `cp` of a live database) is read as the file alone.
std::unique_ptr<SQLite::Database> open_snapshot(const std::filesystem::path& path);

// Opens the live database at `path` and begins a read transaction on it, so it reads one
// snapshot until it is closed; throws SQLite::Exception when it cannot. Writes nothing.
std::unique_ptr<SQLite::Database> open_reader(const std::filesystem::path& path, int busy_timeout_ms);

// What a manifest records of a database's rows: each counted table's COUNT(*) (a scan of its
// smallest index, the one costly fact) and the newest trade.
struct RowFacts {
  std::vector<db::TableCount> tables;
  std::optional<std::string> newest_trade;    // MAX(created_at)
  std::optional<std::int64_t> max_trade_id;
};

// Reads the row facts of `db`, leaving `tables` empty when `count` is false; throws SQLite::Exception.
RowFacts read_row_facts(SQLite::Database& db, bool count = true);

// Reads the facts of `db`, running the integrity check `level` asks for; `count_rows` false
// leaves `tables` empty for a caller that counted them elsewhere. A check that SQLite aborts (a
// malformed file) is recorded in `check`; other read failures throw core::Error(database).
DatabaseFacts inspect_database(SQLite::Database& db, CheckLevel level, bool count_rows = true);

}  // namespace bscbot::core::backup
