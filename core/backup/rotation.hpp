#pragma once
// The manual's rotation: every backup is a daily one; the one taken on a Sunday is also the
// week's, the one taken on the 1st also the month's; each tier is kept for its own number of days
// (30 / 90 / 365 by default). Names follow the manual's script. Dates are UTC, like the trades.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/backup/compression.hpp"
#include "core/backup/manifest.hpp"
#include "core/config/config.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::backup {

enum class Tier { daily, weekly, monthly };

inline constexpr Tier k_tiers[] = {Tier::daily, Tier::weekly, Tier::monthly};

std::string_view to_string(Tier tier);

// "daily", "weekly" or "monthly"; nullopt otherwise.
std::optional<Tier> parse_tier(std::string_view text);

struct Retention {
  std::chrono::hours daily{30 * 24};
  std::chrono::hours weekly{90 * 24};
  std::chrono::hours monthly{365 * 24};
  std::chrono::hours of(Tier tier) const;
};

// BACKUP_KEEP_DAILY_DAYS, BACKUP_KEEP_WEEKLY_DAYS and BACKUP_KEEP_MONTHLY_DAYS.
Retention retention_from(const config::Config& cfg);

// The tiers a backup taken at `t` belongs to: always daily, weekly on a Sunday, monthly on the
// 1st (UTC).
std::vector<Tier> tiers_for(SystemTime t);

// The manual's file names: daily db_YYYYmmdd_HHMMSS.sqlite, weekly db_YYYY_WVV.sqlite (ISO week
// and its year, so the last days of December are not filed under the next year), monthly
// db_YYYY_MM.sqlite; plus ".gz" or ".zst" when compressed; ".pgdump" instead of ".sqlite" for a
// PostgreSQL database's pg_dump archive.
std::string backup_file_name(Tier tier, SystemTime t, Compression compression, BackupFormat format = BackupFormat::sqlite);

// The time a name of backup_file_name() stands for (a week by its Sunday, a month by its 1st);
// nullopt for other names.
std::optional<SystemTime> time_from_name(std::string_view file_name);

}  // namespace bscbot::core::backup
