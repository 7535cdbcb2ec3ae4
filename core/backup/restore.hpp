#pragma once
// `bscbot restore`: the manual's restore-database.sh made safe. The backup is verified and staged
// (uncompressed, WAL mode, migrated) beside the live database before anything changes; only then
// is the daemon stopped, the current database copied aside with the backup API, the staged file
// renamed over it (with the old -wal/-shm removed), the result checked and the daemon started
// again. Any failure after the stop puts the pre-restore copy back and restarts the daemon, and
// the error says exactly what state things are in. A crash (which no error handler sees) is
// covered by the restore journal (restore_journal.hpp): the next restore, `daemon start` or
// bscbotd start-up finishes or rolls back what it records.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/backup/catalog.hpp"
#include "core/backup/daemon_handle.hpp"
#include "core/backup/restore_journal.hpp"
#include "core/backup/verify.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::backup {

enum class RestoreStep { verify, prepare, stop_daemon, pre_restore_copy, swap, check, start_daemon, rollback };

std::string_view to_string(RestoreStep step);

struct RestoreOptions {
  // Backups to try, best first: one FILE, or the good backups of the catalog for --latest (the
  // first that verifies is restored; the others are reported as skipped).
  std::vector<std::filesystem::path> candidates;
  std::filesystem::path database;                 // the live database
  int busy_timeout_ms = 5000;
  int step_pages = 1024;                          // for the pre-restore copy
  // Told when each step is done. A test may throw from it to make that step fail.
  std::function<void(RestoreStep, const std::string& detail)> on_step;
  ByteProgress progress;                          // reading the backup
  // Free bytes on the filesystem of a path (tests replace it).
  std::function<std::uintmax_t(const std::filesystem::path&)> available_bytes;
};

struct Recovery {
  RestoreJournal journal;               // what the interrupted restore had recorded
  bool finished = false;                // the restored database was kept (else: rolled back)
  std::string summary;                  // what happened and what was done, in one sentence
  std::optional<pid_t> daemon_pid;      // bscbotd, when the recovery started it again
};

// Finishes or rolls back the restore whose journal lies beside `database`, when that restore is
// no longer running; nullopt when there is none. Finished: the staged backup had been swapped in
// and passes the restore's check. Rolled back otherwise: the database as it was is put back, the
// staged copy and partial files go. With a `daemon`, bscbotd is started again if the interrupted
// restore had stopped it (pass nullptr from bscbotd itself, or from a command that starts it
// anyway). Throws core::Error(conflict) while that restore still runs.
std::optional<Recovery> recover_restore(const std::filesystem::path& database, DaemonHandle* daemon, int busy_timeout_ms);

struct SkippedBackup {
  std::filesystem::path path;
  std::string problem;
};

struct RestorePlan {
  std::filesystem::path backup;                   // the backup that will be restored
  VerifyReport verify;
  std::vector<SkippedBackup> skipped;             // candidates that failed verification
  std::filesystem::path database;
  bool database_exists = false;
  std::optional<pid_t> daemon_pid;                // running now
  std::filesystem::path pre_restore_copy;         // where the current database will be kept
  std::vector<std::string> steps;                 // what restore will do, in order
  std::optional<RestoreJournal> interrupted;      // an earlier restore the real run finishes or rolls back first
};

struct StepRecord {
  RestoreStep step;
  std::string detail;
  std::chrono::milliseconds took{0};
};

struct RestoreResult {
  std::filesystem::path backup;
  std::vector<SkippedBackup> skipped;
  std::filesystem::path database;
  std::optional<std::filesystem::path> pre_restore_copy;
  bool daemon_was_running = false;
  std::optional<pid_t> daemon_pid;                // after the restart
  std::vector<std::string> migrations;            // applied to the restored database
  std::int64_t trades = 0;
  std::optional<std::string> newest_trade;
  int schema_version = 0;
  std::vector<StepRecord> steps;
  std::optional<Recovery> recovered;              // an interrupted earlier restore, dealt with first
};

// The candidates for --latest: the good backups of `backup_dir`, newest first, one per file
// content (a weekly link of a daily backup is the same backup).
std::vector<std::filesystem::path> latest_candidates(const std::filesystem::path& backup_dir);

// What restore tries: `file`, or with `latest` the candidates above that hold `format` (the
// deployment's backend). core::Error(usage) for a file of the other format, not_found for none.
std::vector<std::filesystem::path> restore_candidates(const std::filesystem::path& backup_dir, const std::string& file, bool latest,
                                                      BackupFormat format);

// `database` + "_pre-restore_YYYYmmdd_HHMMSS", as the manual names it, free of clashes.
std::filesystem::path pre_restore_path(const std::filesystem::path& database, SystemTime now);

// Verifies the candidates and says what restore would do; changes nothing.
RestorePlan plan_restore(const RestoreOptions& options, DaemonHandle& daemon, const Clock& clock);

// Restores. Refusals before anything changed are core::Error(data) (a bad backup) or io (no room);
// a failure after the daemon was stopped is rolled back and thrown with the resulting state.
RestoreResult restore_backup(const RestoreOptions& options, DaemonHandle& daemon, const Clock& clock);

}  // namespace bscbot::core::backup
