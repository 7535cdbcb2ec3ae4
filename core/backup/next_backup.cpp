#include "core/backup/next_backup.hpp"

#include "core/backup/create.hpp"
#include "core/backup/pg_backup.hpp"
#include "core/db/store.hpp"

namespace bscbot::core::backup {

std::optional<std::uintmax_t> next_backup_needs(const config::Config& cfg, std::optional<std::uintmax_t> database_bytes) {
  if (db::configured_backend(cfg) == db::Backend::pg) {
    if (!database_bytes) return std::nullopt;
    return pg_space_needed(*database_bytes);
  }
  const auto compression = parse_compression(cfg.text("BACKUP_COMPRESSION")).value_or(Compression::none);
  return space_needed(cfg.db_path(), compression);
}

}  // namespace bscbot::core::backup
