#pragma once
// The statistics SQLite plans the manual's status breakdown with (migration 7).
#include <SQLiteCpp/Database.h>

namespace bscbot::core::db::sqlite {

// The manual's "analyze failure reasons" query, verbatim.
inline constexpr const char* k_status_breakdown_sql =
    "SELECT status, COUNT(*) FROM trades WHERE created_at > datetime('now', '-1 day') GROUP BY status";

// After an ANALYZE: measured statistics of a database of a few dozen trades make SQLite scan
// the whole (status, created_at) index for the status breakdown, a plan that stays once the
// table has grown. Where the plan scans, restores migration 7's row, so it searches again.
// Returns whether it did; does nothing on a schema without that index.
bool keep_status_breakdown_searching(SQLite::Database& db);

}  // namespace bscbot::core::db::sqlite
