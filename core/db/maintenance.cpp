#include "core/db/maintenance.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include "core/db/database.hpp"
#include "core/error.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::db {

const std::vector<std::string>& required_tables() {
  static const std::vector<std::string> tables = {"trades", "users", "wallets", "knex_migrations"};
  return tables;
}

std::vector<TableCount> count_rows(SQLite::Database& db) {
  std::vector<TableCount> out;
  for (const char* table : {"trades", "users", "wallets"}) {
    if (!db.tableExists(table)) continue;
    out.push_back({table, db.execAndGet(fmt::format("SELECT COUNT(*) FROM {}", table)).getInt64()});
  }
  return out;
}

DatabaseStats collect_stats(SQLite::Database& db, const fs::path& path) {
  try {
    DatabaseStats s;
    s.path = path.string();
    std::error_code ec;
    s.file_bytes = fs::file_size(path, ec);
    const fs::path wal = path.string() + "-wal";
    if (fs::exists(wal, ec)) s.wal_bytes = fs::file_size(wal, ec);
    s.page_size = db.execAndGet("PRAGMA page_size").getInt64();
    s.page_count = db.execAndGet("PRAGMA page_count").getInt64();
    s.freelist_pages = db.execAndGet("PRAGMA freelist_count").getInt64();
    s.journal_mode = journal_mode(db);
    s.schema_version = db.execAndGet("PRAGMA user_version").getInt();
    s.tables = count_rows(db);
    if (db.tableExists("trades")) {
      SQLite::Statement q(db, "SELECT MIN(created_at), MAX(created_at) FROM trades");
      q.executeStep();
      if (!q.getColumn(0).isNull()) s.oldest_trade = q.getColumn(0).getString();
      if (!q.getColumn(1).isNull()) s.newest_trade = q.getColumn(1).getString();
    }
    return s;
  } catch (const SQLite::Exception& e) {
    throw Error(ErrorKind::database, fmt::format("reading statistics of {} failed: {}", path.string(), e.what()));
  }
}

std::int64_t vacuum(SQLite::Database& db, const fs::path& path) {
  std::error_code ec;
  const auto before = static_cast<std::int64_t>(fs::file_size(path, ec));
  try {
    db.exec("VACUUM");
    // Fold the WAL back so the file size on disk reflects the result.
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } catch (const SQLite::Exception& e) {
    throw Error(ErrorKind::database, fmt::format("VACUUM of {} failed: {}", path.string(), e.what()));
  }
  const auto after = static_cast<std::int64_t>(fs::file_size(path, ec));
  return before - after;
}

void analyze(SQLite::Database& db) {
  try {
    db.exec("ANALYZE");
  } catch (const SQLite::Exception& e) {
    throw Error(ErrorKind::database, fmt::format("ANALYZE failed: {}", e.what()));
  }
}

}  // namespace bscbot::core::db
