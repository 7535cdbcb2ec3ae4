#include "core/db/migrations.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "core/db/schema_pg.hpp"
#include "core/db/schema_sqlite.hpp"
#include "core/error.hpp"

namespace bscbot::core::db {

namespace {

const Migration k_migrations[] = {
    {1, "initial_schema", schema::sqlite::k_initial, schema::pg::k_initial},
    {2, "daemon_state", schema::sqlite::k_daemon_state, schema::pg::k_daemon_state},
    {3, "metric_samples", schema::sqlite::k_metric_samples, schema::pg::k_metric_samples},
    {4, "covering_indexes", schema::sqlite::k_covering_indexes, schema::pg::k_covering_indexes},
    {5, "trade_pipeline", schema::sqlite::k_trade_pipeline, schema::pg::k_trade_pipeline},
    {6, "history_order", schema::sqlite::k_history_order, schema::pg::k_history_order},
    {7, "status_breakdown", schema::sqlite::k_status_breakdown, schema::pg::k_status_breakdown},
};

}  // namespace

std::span<const Migration> known_migrations() { return k_migrations; }

int latest_schema_version() { return k_migrations[std::size(k_migrations) - 1].version; }

std::string migration_name(const Migration& m) { return fmt::format("{:04}_{}", m.version, m.name); }

SchemaStatus schema_status_of(const std::vector<std::string>& applied, std::span<const Migration> migrations) {
  SchemaStatus status;
  status.latest = migrations.empty() ? 0 : migrations.back().version;
  status.applied = applied;
  for (const Migration& m : migrations) {
    const std::string name = migration_name(m);
    if (std::find(status.applied.begin(), status.applied.end(), name) != status.applied.end()) {
      status.current = std::max(status.current, m.version);
    } else {
      status.pending.push_back(name);
    }
  }
  for (const std::string& name : status.applied) {
    const bool known = std::any_of(migrations.begin(), migrations.end(), [&](const Migration& m) { return migration_name(m) == name; });
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

}  // namespace bscbot::core::db
