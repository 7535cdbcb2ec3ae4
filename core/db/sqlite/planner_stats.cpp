#include "core/db/sqlite/planner_stats.hpp"

#include <SQLiteCpp/Statement.h>

#include <string>

#include "core/db/schema_sqlite.hpp"

namespace bscbot::core::db::sqlite {

namespace {

bool scans_trades(SQLite::Database& db) {
  SQLite::Statement plan(db, std::string("EXPLAIN QUERY PLAN ") + k_status_breakdown_sql);
  while (plan.executeStep()) {
    if (plan.getColumn(3).getString().rfind("SCAN trades", 0) == 0) return true;
  }
  return false;
}

}  // namespace

bool keep_status_breakdown_searching(SQLite::Database& db) {
  if (!db.execAndGet("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'idx_trades_status_created'").getInt()) {
    return false;
  }
  if (!scans_trades(db)) return false;
  db.exec(std::string(schema::sqlite::k_status_created_stats));
  return true;
}

}  // namespace bscbot::core::db::sqlite
