#include "core/backup/inspect.hpp"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include <algorithm>
#include <fstream>

#include "core/db/database.hpp"
#include "core/error.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::backup {

namespace {

std::uint32_t big_endian(const unsigned char* p, int bytes) {
  std::uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

std::string_view to_string(CheckLevel level) {
  switch (level) {
    case CheckLevel::none: return "none";
    case CheckLevel::quick: return "quick";
    case CheckLevel::full: return "full";
  }
  return "none";
}

std::optional<CheckLevel> parse_check_level(std::string_view text) {
  if (text == "none") return CheckLevel::none;
  if (text == "quick") return CheckLevel::quick;
  if (text == "full") return CheckLevel::full;
  return std::nullopt;
}

std::int64_t DatabaseFacts::rows(std::string_view table) const {
  for (const auto& t : tables) {
    if (t.name == table) return t.rows;
  }
  return 0;
}

FileHeader read_header(const fs::path& path) {
  FileHeader h;
  unsigned char b[100] = {};
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(b), sizeof b);
  if (in.gcount() != 100 || std::string(reinterpret_cast<const char*>(b), 16) != std::string("SQLite format 3\0", 16)) return h;
  h.sqlite = true;
  const std::uint32_t raw_page_size = big_endian(b + 16, 2);
  h.page_size = raw_page_size == 1 ? 65536 : raw_page_size;
  h.write_version = b[18];
  const std::uint32_t change_counter = big_endian(b + 24, 4);
  h.page_count = big_endian(b + 28, 4);
  h.page_count_valid = h.page_count > 0 && big_endian(b + 92, 4) == change_counter;
  h.user_version = big_endian(b + 60, 4);
  h.application_id = big_endian(b + 68, 4);
  return h;
}

std::unique_ptr<SQLite::Database> open_snapshot(const fs::path& path) {
  try {
    auto db = std::make_unique<SQLite::Database>(db::immutable_uri(path), SQLite::OPEN_READONLY | SQLite::OPEN_URI);
    // Memory-mapped reads make the integrity checks of a large file about a fifth faster; the
    // file is immutable for the connection's lifetime (SQLite caps the size at its build limit).
    db->exec("PRAGMA mmap_size = 2147418112");
    return db;
  } catch (const SQLite::Exception& e) {
    throw Error(ErrorKind::database, fmt::format("cannot open {}: {}", path.string(), e.what()));
  }
}

std::unique_ptr<SQLite::Database> open_reader(const fs::path& path, int busy_timeout_ms) {
  // Read-write where allowed (SQLite opens a write-protected file read-only), so that, closing
  // last, it tidies the -wal and -shm away as the daemon's own connections do.
  auto db = std::make_unique<SQLite::Database>(path.string(), SQLite::OPEN_READWRITE, busy_timeout_ms);
  db->exec("BEGIN");
  db->execAndGet("SELECT COUNT(*) FROM sqlite_master");  // a read, which is what pins the snapshot
  return db;
}

RowFacts read_row_facts(SQLite::Database& db, bool count) {
  RowFacts r;
  if (count) r.tables = db::count_rows(db);
  if (db.tableExists("trades")) {
    SQLite::Statement q(db, db::k_trade_ends_sql);
    q.executeStep();
    if (!q.getColumn(1).isNull()) r.newest_trade = q.getColumn(1).getString();
    if (!q.getColumn(2).isNull()) r.max_trade_id = q.getColumn(2).getInt64();
  }
  return r;
}

DatabaseFacts inspect_database(SQLite::Database& db, CheckLevel level, bool count_rows) {
  DatabaseFacts f;
  try {
    f.page_size = db.execAndGet("PRAGMA page_size").getInt64();
    f.page_count = db.execAndGet("PRAGMA page_count").getInt64();
    f.application_id = static_cast<std::uint32_t>(db.execAndGet("PRAGMA application_id").getInt64());
    f.user_version = db.execAndGet("PRAGMA user_version").getInt();
  } catch (const SQLite::Exception& e) {
    throw Error(ErrorKind::database, fmt::format("cannot read the database header: {}", e.what()));
  }
  if (level != CheckLevel::none) {
    try {
      f.check = db::check_integrity(db, level == CheckLevel::full);
    } catch (const SQLite::Exception& e) {
      f.check = e.what();
    }
  }
  try {
    f.schema = db::schema_status(db);
    for (const std::string& table : db::required_tables()) {
      if (!db.tableExists(table)) f.missing_tables.push_back(table);
    }
    RowFacts rows = read_row_facts(db, count_rows);
    f.tables = std::move(rows.tables);
    f.newest_trade = std::move(rows.newest_trade);
    f.max_trade_id = rows.max_trade_id;
  } catch (const SQLite::Exception& e) {
    // A damaged file may pass the header and fail here; with a check run, that is its verdict.
    if (level != CheckLevel::none && f.check == "ok") f.check = e.what();
    if (level == CheckLevel::none) throw Error(ErrorKind::database, fmt::format("cannot read the database: {}", e.what()));
  }
  return f;
}

}  // namespace bscbot::core::backup
