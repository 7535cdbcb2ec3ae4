#include "core/db/migrations.hpp"

#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "core/db/schema.hpp"
#include "core/error.hpp"

namespace bscbot::core::db {

namespace {

const Migration k_migrations[] = {
    {1, "initial_schema", schema::k_initial},
    {2, "daemon_state", schema::k_daemon_state},
    {3, "metric_samples", schema::k_metric_samples},
    {4, "covering_indexes", schema::k_covering_indexes},
};

constexpr std::string_view k_bookkeeping = R"SQL(
CREATE TABLE IF NOT EXISTS knex_migrations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name VARCHAR(255),
  batch INTEGER,
  migration_time DATETIME
);
CREATE TABLE IF NOT EXISTS knex_migrations_lock (
  "index" INTEGER PRIMARY KEY AUTOINCREMENT,
  is_locked INTEGER
);
INSERT INTO knex_migrations_lock ("index", is_locked)
  SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM knex_migrations_lock);
)SQL";

std::string full_name(const Migration& m) { return fmt::format("{:04}_{}", m.version, m.name); }

}  // namespace

std::span<const Migration> known_migrations() { return k_migrations; }

int latest_schema_version() { return k_migrations[std::size(k_migrations) - 1].version; }

SchemaStatus schema_status(SQLite::Database& db, std::span<const Migration> migrations) {
  SchemaStatus status;
  status.latest = migrations.empty() ? 0 : migrations.back().version;
  if (db.tableExists("knex_migrations")) {
    SQLite::Statement q(db, "SELECT name FROM knex_migrations ORDER BY id");
    while (q.executeStep()) status.applied.push_back(q.getColumn(0).getString());
  }
  for (const Migration& m : migrations) {
    const std::string name = full_name(m);
    if (std::find(status.applied.begin(), status.applied.end(), name) != status.applied.end()) {
      status.current = std::max(status.current, m.version);
    } else {
      status.pending.push_back(name);
    }
  }
  for (const std::string& name : status.applied) {
    const bool known = std::any_of(migrations.begin(), migrations.end(),
                                   [&](const Migration& m) { return full_name(m) == name; });
    if (!known) status.unknown.push_back(name);
  }
  return status;
}

void require_known_schema(const SchemaStatus& status, std::string_view db_name) {
  if (!status.newer()) return;
  const std::string& first = status.unknown.front();
  // Ours are named "NNNN_snake_case"; anything else came from another tool.
  const bool ours = first.size() > 5 && first[4] == '_' &&
                    std::all_of(first.begin(), first.begin() + 4, [](char c) { return c >= '0' && c <= '9'; }) &&
                    std::all_of(first.begin() + 5, first.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
  int version = 0;
  std::from_chars(first.data(), first.data() + 4, version);
  if (ours && version > status.latest) {
    throw Error(ErrorKind::conflict,
                fmt::format("database {} has schema version {} but this bscbot knows only up to {} "
                            "(migration '{}'); upgrade bscbot or restore an older backup",
                            db_name, version, status.latest, first));
  }
  throw Error(ErrorKind::conflict,
              fmt::format("database {} was migrated by another tool (unknown migration '{}'); "
                          "bscbot will not manage it",
                          db_name, first));
}

std::vector<std::string> migrate(SQLite::Database& db, std::string_view db_name, std::span<const Migration> migrations) {
  std::vector<std::string> applied;
  try {
    db.exec(std::string(k_bookkeeping));
    const SchemaStatus status = schema_status(db, migrations);
    require_known_schema(status, db_name);
    if (status.pending.empty()) return applied;
    const int batch = db.execAndGet("SELECT COALESCE(MAX(batch), 0) + 1 FROM knex_migrations").getInt();
    for (const Migration& m : migrations) {
      const std::string name = full_name(m);
      if (std::find(status.pending.begin(), status.pending.end(), name) == status.pending.end()) continue;
      SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
      db.exec(std::string(m.sql));
      SQLite::Statement record(db,
                               "INSERT INTO knex_migrations (name, batch, migration_time) "
                               "VALUES (?, ?, strftime('%Y-%m-%d %H:%M:%f', 'now'))");
      record.bind(1, name);
      record.bind(2, batch);
      record.exec();
      db.exec(fmt::format("PRAGMA user_version = {}", m.version));
      db.exec(fmt::format("PRAGMA application_id = {}", k_application_id));
      tx.commit();
      applied.push_back(name);
    }
  } catch (const SQLite::Exception& e) {
    throw Error(ErrorKind::database, fmt::format("migrating database {} failed: {}", db_name, e.what()));
  }
  return applied;
}

}  // namespace bscbot::core::db
