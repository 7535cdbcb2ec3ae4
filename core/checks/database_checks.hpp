#pragma once
// The checks answered by the database itself, so they run whether or not bscbotd is up:
// integrity, size and growth, and the manual's 24-hour business metrics (trades, success
// rate, failures, average gas fee). The same on SQLite and PostgreSQL.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/checks/disk.hpp"
#include "core/checks/integrity_verdict.hpp"
#include "core/checks/status.hpp"
#include "core/config/config.hpp"
#include "core/db/store.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::checks {

enum class Integrity { quick, full };

// SQLite's quick_check (or the full integrity_check); on PostgreSQL the required tables (and a
// read of every row with `full`). CRIT for a damaged database. `published` is bscbotd's fresh
// verdict of the quick check: it stands in for running it again (never for `full`).
CheckResult check_integrity(db::Store& store, Integrity depth, const std::optional<IntegrityVerdict>& published = std::nullopt,
                            const Clock& clock = system_clock());

// The same verdict for a database that could not even be opened (`why`, with `missing` for a
// file that does not exist).
CheckResult unopenable(const std::string& why, bool missing);

// Can the database take a write now, and is there room for the next ones? The write probe
// bscbotd's worker runs (a write lock taken and released: nothing changes), waiting at most a
// second for the lock, with the same free-space rule (DISK_FREE_MIN_MB): CRIT locked, readonly,
// disk_full or unreachable, so the answer is there while bscbotd is down too.
CheckResult check_writable(const config::Config& cfg, const DiskProbe& disk);

// The size of the database and how fast it grew over the last day (from the db_file_bytes
// samples bscbotd records): WARN/CRIT when its disk would fill within DB_FULL_WARN_DAYS /
// DB_FULL_CRIT_DAYS at that rate. `day_ago` is the oldest sample of the last 24 h; `free` the
// space left where it grows (unknown for a server's database).
CheckResult check_database_size(std::optional<std::uintmax_t> bytes, const std::string& where, const std::optional<db::TimedValue>& day_ago,
                                SystemTime now, std::optional<DiskUsage> free, Levels days_left);

// How far behind a standby is: the one we are connected to, or the slowest one replicating from
// our primary. OK without standbys; UNKNOWN when the server does not show the lag to this role.
CheckResult check_replication(const db::ServerFacts& facts, Levels seconds);

// Trades created in the last 24 h; WARN when the last hour exceeds `per_hour_warn` (the
// manual's HighTradeVolume: > 1000 per hour).
CheckResult check_trade_volume(const db::TradeStats& day, const db::TradeStats& hour, double per_hour_warn);

// Completed over all trades of the last 24 h (the manual's success_rate query).
CheckResult check_success_rate(const db::TradeStats& day, Levels percent);

// Failed trades of the last 24 h; informational (the success rate carries the verdict).
CheckResult check_failed_trades(const db::TradeStats& day);

// AVG(gas_fee) over the last 24 h, as the manual computes it; informational.
CheckResult check_gas_fee(const db::TradeStats& day);

// Every database check for the configured database, never throwing: a database that cannot
// be opened makes integrity CRIT and the rest UNKNOWN.
std::vector<CheckResult> database_checks(const config::Config& cfg, Integrity depth, const Clock& clock, const DiskProbe& disk,
                                         const std::optional<IntegrityVerdict>& published = std::nullopt);

}  // namespace bscbot::core::checks
