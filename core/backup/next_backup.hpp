#pragma once
// How much room the next backup needs in BACKUP_DIR, for the two places that warn before the
// nightly job fails: bscbotd's folder probe (/api/health "backups") and `bscbot health`'s
// disk_backups check.
#include <cstdint>
#include <optional>

#include "core/config/config.hpp"

namespace bscbot::core::backup {

// SQLite: the file and its WAL (twice when compressing) plus a margin, read from the file.
// PostgreSQL: pg_space_needed() of `database_bytes` (pg_database_size, as the store reports it);
// unknown when that size is.
std::optional<std::uintmax_t> next_backup_needs(const config::Config& cfg, std::optional<std::uintmax_t> database_bytes);

}  // namespace bscbot::core::backup
