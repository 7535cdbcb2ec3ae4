#include "core/db/database.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <fstream>

#include "core/error.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::db {

std::unique_ptr<SQLite::Database> open_database(const fs::path& path, Access access, int busy_timeout_ms) {
  if (access != Access::create && !fs::exists(path)) {
    throw Error(ErrorKind::not_found,
                fmt::format("database {} does not exist; run `bscbot init` or `bscbot db migrate`", path.string()));
  }
  if (access == Access::create && path.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) throw Error(ErrorKind::io, fmt::format("cannot create {}: {}", path.parent_path().string(), ec.message()));
  }
  // NOMUTEX: a connection is used by one thread at a time (the pool leases it whole), so the
  // mutex SQLite's serialized mode takes around every call, each column read included, buys
  // nothing; it was a twentieth of the history route.
  const int flags = SQLite::OPEN_NOMUTEX | (access == Access::read_only    ? SQLite::OPEN_READONLY
                                            : access == Access::read_write ? SQLite::OPEN_READWRITE
                                                                           : SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  try {
    auto db = std::make_unique<SQLite::Database>(path.string(), flags, busy_timeout_ms);
    db->exec("PRAGMA foreign_keys = ON");
    if (access != Access::read_only) {
      const std::string mode = db->execAndGet("PRAGMA journal_mode = WAL").getString();
      if (mode != "wal") {
        throw Error(ErrorKind::database, fmt::format("database {} refused WAL mode (journal_mode is {})", path.string(), mode));
      }
      // NORMAL is durable in WAL mode except for the last transactions on power loss.
      db->exec("PRAGMA synchronous = NORMAL");
    }
    return db;
  } catch (const SQLite::Exception& e) {
    throw Error(ErrorKind::database, fmt::format("cannot open database {}: {}", path.string(), e.what()));
  }
}

std::string check_integrity(SQLite::Database& db, bool full) {
  SQLite::Statement q(db, full ? "PRAGMA integrity_check" : "PRAGMA quick_check");
  std::string result;
  const auto add = [&](const std::string& line) {
    if (!result.empty()) result += "; ";
    result += line;
  };
  try {
    while (q.executeStep()) add(q.getColumn(0).getString());
  } catch (const SQLite::Exception& e) {
    // A page the check cannot parse is reported as a row and then as SQLITE_CORRUPT from the
    // next step: that error is part of the verdict (the database is damaged), not a check that
    // could not run. Anything else (busy, I/O) still throws.
    const int code = e.getErrorCode() & 0xff;
    if (code != SQLITE_CORRUPT && code != SQLITE_NOTADB) throw;
    add(e.what());
  }
  return result;
}

SchemaStatus schema_status(SQLite::Database& db) {
  std::vector<std::string> names;
  if (db.tableExists("knex_migrations")) {
    SQLite::Statement q(db, "SELECT name FROM knex_migrations ORDER BY id");
    while (q.executeStep()) names.push_back(q.getColumn(0).getString());
  }
  return schema_status_of(names);
}

std::vector<TableCount> count_rows(SQLite::Database& db) {
  std::vector<TableCount> out;
  for (const std::string& table : counted_tables()) {
    if (db.tableExists(table)) out.push_back({table, db.execAndGet(fmt::format("SELECT COUNT(*) FROM {}", table)).getInt64()});
  }
  return out;
}

std::string journal_mode(SQLite::Database& db) { return db.execAndGet("PRAGMA journal_mode").getString(); }

bool looks_like_sqlite(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  char header[16] = {};
  in.read(header, sizeof header);
  return in.gcount() == 16 && std::string(header, 16) == std::string("SQLite format 3\0", 16);
}

std::string immutable_uri(const fs::path& path) {
  std::string uri = "file:";
  for (char c : fs::absolute(path).lexically_normal().string()) {
    if (c == '%' || c == '?' || c == '#') uri += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    else uri += c;
  }
  return uri + "?immutable=1";
}

std::string quick_check_immutable(const fs::path& path) {
  try {
    SQLite::Database db(immutable_uri(path), SQLite::OPEN_READONLY | SQLite::OPEN_URI);
    return check_integrity(db, /*full=*/false);
  } catch (const SQLite::Exception& e) {
    return std::string("cannot read: ") + e.what();
  }
}

}  // namespace bscbot::core::db
