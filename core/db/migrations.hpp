#pragma once
// Versioned schema migrations, recorded in knex_migrations like the Node.js bot's knex did, so
// the manual's verify-backup script finds the table it expects and `npx knex migrate:latest`
// habits carry over as `bscbot db migrate`. Each migration has its SQL for both backends; the
// bookkeeping and the refusal of a newer or foreign schema are the same for both.
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bscbot::core::db {

struct Migration {
  int version;                  // 1, 2, ... in order
  std::string_view name;        // recorded as "NNNN_name"
  std::string_view sqlite_sql;
  std::string_view pg_sql;
};

// The migrations this build knows, oldest first.
std::span<const Migration> known_migrations();

// Latest schema version this build knows.
int latest_schema_version();

// "NNNN_name", as recorded in knex_migrations.
std::string migration_name(const Migration& m);

struct SchemaStatus {
  int current = 0;                    // newest applied version we know
  int latest = 0;                     // newest version this build knows
  std::vector<std::string> applied;   // names, in order
  std::vector<std::string> pending;   // names we would apply
  std::vector<std::string> unknown;   // applied names this build does not know
  bool newer() const { return !unknown.empty(); }
};

// Compares the names recorded in knex_migrations (in order) with `migrations`.
SchemaStatus schema_status_of(const std::vector<std::string>& applied, std::span<const Migration> migrations = known_migrations());

// Refuses (core::Error(conflict)) a database migrated by a newer bscbot or another tool.
void require_known_schema(const SchemaStatus& status, std::string_view db_name);

// Marks a SQLite database as ours in its header (PRAGMA application_id), so a backup check can
// tell a foreign SQLite file from a bscbot one.
inline constexpr int k_application_id = 0x42534342;  // "BSCB"

}  // namespace bscbot::core::db
