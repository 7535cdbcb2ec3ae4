#pragma once
// The checks answered by the database file itself, so they run whether or not bscbotd is up:
// integrity, size and growth, and the manual's 24-hour business metrics (trades, success
// rate, failures, average gas fee).
#include <filesystem>
#include <optional>
#include <vector>

#include "core/checks/disk.hpp"
#include "core/checks/status.hpp"
#include "core/config/config.hpp"
#include "core/db/metric_sample_repository.hpp"
#include "core/db/trade_repository.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::checks {

enum class Integrity { quick, full };

// PRAGMA quick_check (or the full integrity_check), read-only. CRIT for a missing, unreadable
// or damaged file.
CheckResult check_integrity(const std::filesystem::path& db_path, Integrity depth, int busy_timeout_ms);

// Size of the database and its WAL, and how fast it grew over the last day (from the
// db_file_bytes samples bscbotd records): WARN/CRIT when the disk would fill within
// DB_FULL_WARN_DAYS / DB_FULL_CRIT_DAYS at that rate. `day_ago` is the oldest sample of the
// last 24 h.
CheckResult check_database_size(const std::filesystem::path& db_path, const std::optional<db::TimedValue>& day_ago,
                                SystemTime now, const DiskProbe& disk, Levels days_left);

// Trades created in the last 24 h; WARN when the last hour exceeds `per_hour_warn` (the
// manual's HighTradeVolume: > 1000 per hour).
CheckResult check_trade_volume(const db::TradeStats& day, const db::TradeStats& hour, double per_hour_warn);

// Completed over all trades of the last 24 h (the manual's success_rate query).
CheckResult check_success_rate(const db::TradeStats& day, Levels percent);

// Failed trades of the last 24 h; informational (the success rate carries the verdict).
CheckResult check_failed_trades(const db::TradeStats& day);

// AVG(CAST(gas_fee AS REAL)) over the last 24 h, as the manual computes it; informational.
CheckResult check_gas_fee(const db::TradeStats& day);

// Every database check for the configured database, never throwing: a database that cannot
// be opened makes integrity CRIT and the rest UNKNOWN.
std::vector<CheckResult> database_checks(const config::Config& cfg, Integrity depth, const Clock& clock,
                                         const DiskProbe& disk);

}  // namespace bscbot::core::checks
