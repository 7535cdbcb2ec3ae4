#include "core/backup/restore.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <set>

#include "core/backup/online_backup.hpp"
#include "core/backup/staged_file.hpp"
#include "core/db/database.hpp"
#include "core/db/sqlite/sqlite_store.hpp"
#include "core/db/migrations.hpp"
#include "core/error.hpp"
#include "core/util/crash_point.hpp"
#include "core/util/files.hpp"
#include "core/util/units.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::backup {

namespace {

constexpr std::uintmax_t k_space_margin = 16ull << 20;

// The live database's permissions carry over to the restored file; a new one is private.
fs::perms mode_of(const fs::path& path) {
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return fs::perms(0600);
  return st.permissions() & fs::perms::mask;
}

std::uintmax_t size_or_zero(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return ec ? 0 : size;
}

[[noreturn]] void refuse(const RestoreOptions& o, const std::vector<SkippedBackup>& skipped) {
  if (o.candidates.empty()) {
    throw Error(ErrorKind::not_found, "there is no good backup to restore; see `bscbot backup list`");
  }
  if (skipped.size() == 1) {
    throw Error(ErrorKind::data, fmt::format("backup {} is not usable: {}; nothing was changed", skipped.front().path.string(),
                                             skipped.front().problem));
  }
  std::string all;
  for (const auto& s : skipped) all += fmt::format("{}{} ({})", all.empty() ? "" : "; ", s.path.string(), s.problem);
  throw Error(ErrorKind::data, fmt::format("none of the {} backups verifies: {}; nothing was changed", skipped.size(), all));
}

// Restore needs the uncompressed backup and the pre-restore copy beside the live database.
void check_space(const RestoreOptions& o) {
  const fs::path& backup = o.candidates.front();
  std::uintmax_t restored = size_or_zero(backup);
  try {
    if (const auto m = read_manifest(backup)) restored = m->database_bytes;
  } catch (const Error&) {
  }
  const std::uintmax_t needed =
      restored + size_or_zero(o.database) + size_or_zero(o.database.string() + "-wal") + k_space_margin;
  const fs::path dir = o.database.parent_path().empty() ? fs::path(".") : o.database.parent_path();
  const std::uintmax_t available = o.available_bytes ? o.available_bytes(dir) : available_bytes(dir);
  if (available < needed) {
    throw Error(ErrorKind::io, fmt::format("not enough free space in {} to restore: {} free, about {} needed (the restored database "
                                           "and the pre-restore copy); nothing was changed",
                                           dir.string(), bytes_text(static_cast<double>(available)), bytes_text(static_cast<double>(needed))));
  }
}

struct Staged {
  fs::path backup;
  VerifyReport report;
  std::unique_ptr<StagedFile> file;
  std::vector<SkippedBackup> skipped;
};

// Verifies candidates in order, writing each into a temp file beside the live database; the
// first that verifies stays staged.
Staged stage_backup(const RestoreOptions& o) {
  Staged s;
  for (const fs::path& candidate : o.candidates) {
    auto file = std::make_unique<StagedFile>(o.database, mode_of(o.database));
    VerifyOptions vo;
    vo.level = CheckLevel::full;
    vo.extract_into = file.get();
    vo.progress = o.progress;
    VerifyReport report = verify_backup(candidate, vo);
    if (report.ok()) {
      s.backup = candidate;
      s.report = std::move(report);
      s.file = std::move(file);
      return s;
    }
    s.skipped.push_back({candidate, report.problem()});
  }
  refuse(o, s.skipped);
}

// The staged copy becomes a live database: WAL mode, migrated, checked, and closed so that no
// -wal or -shm of its own is left.
std::vector<std::string> prepare_stage(const fs::path& stage, int busy_timeout_ms) {
  std::vector<std::string> applied;
  try {
    SQLite::Database db(stage.string(), SQLite::OPEN_READWRITE, busy_timeout_ms);
    const std::string mode = db.execAndGet("PRAGMA journal_mode = WAL").getString();
    if (mode != "wal") throw Error(ErrorKind::database, fmt::format("the restored copy refused WAL mode (journal_mode is {})", mode));
    applied = db::sqlite::open_sqlite_store(stage, db::Access::read_write, busy_timeout_ms, {})->migrate();
    const std::string check = db::check_integrity(db, /*full=*/false);
    if (check != "ok") throw Error(ErrorKind::database, fmt::format("the migrated copy fails quick_check: {}", check));
  } catch (const SQLite::Exception& e) {
    throw Error(ErrorKind::database, fmt::format("preparing the restored copy failed: {}", e.what()));
  }
  remove_side_files(stage);
  fsync_path(stage);
  return applied;
}

// Folds the WAL of a database nobody else has open back into its file (best effort: a damaged
// database may refuse, and its WAL then stays with the moved-aside original).
void checkpoint(const fs::path& database, int busy_timeout_ms) {
  try {
    SQLite::Database db(database.string(), SQLite::OPEN_READWRITE, busy_timeout_ms);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } catch (const std::exception&) {
  }
}

void rename_or_throw(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    throw Error(ErrorKind::io, fmt::format("cannot move {} to {}: {}", from.string(), to.string(), std::strerror(errno)));
  }
}

// Keeps the current database as `pre`: a backup-API copy; or, when SQLite cannot read it (a
// damaged database, often the reason to restore), its files moved aside exactly as they are.
// Returns true when the files were moved.
bool keep_current(const RestoreOptions& o, const fs::path& pre) {
  checkpoint(o.database, o.busy_timeout_ms);
  try {
    StagedFile copy(pre, mode_of(o.database));
    CopyOptions co;
    co.step_pages = o.step_pages;
    co.busy_timeout_ms = o.busy_timeout_ms;
    co.report_as = pre;
    co.progress = [](const CopyProgress&) { crash_point("restore.pre_restore_copying"); };
    copy_database(o.database, copy.temp_path(), co);
    copy.commit(Replace::no);
    return false;
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::database) throw;
  }
  rename_or_throw(o.database, pre);
  crash_point("restore.moved_aside");
  const fs::path wal = o.database.string() + "-wal";
  if (fs::exists(wal)) rename_or_throw(wal, pre.string() + "-wal");
  remove_side_files(o.database);
  fsync_path(pre.parent_path().empty() ? fs::path(".") : pre.parent_path());
  return true;
}

// The atomic swap: the old side files go (their content is in the pre-restore copy), the staged
// file is renamed over the live name, and nothing may be left to pair with it.
void swap_in(StagedFile& stage, const fs::path& database) {
  remove_side_files(database);
  stage.commit_as(database, Replace::yes);
  remove_side_files(database);
}

struct RestoredFacts {
  std::int64_t trades = 0;
  std::optional<std::string> newest_trade;
  int schema_version = 0;
};

RestoredFacts check_restored(const fs::path& database, int busy_timeout_ms, std::int64_t expected_trades) {
  RestoredFacts f;
  auto db = db::open_database(database, db::Access::read_write, busy_timeout_ms);
  try {
    const std::string mode = db::journal_mode(*db);
    if (mode != "wal") throw Error(ErrorKind::database, fmt::format("the restored database is in {} mode, not WAL", mode));
    const std::string check = db::check_integrity(*db, /*full=*/false);
    if (check != "ok") throw Error(ErrorKind::database, fmt::format("the restored database fails quick_check: {}", check));
    const db::SchemaStatus status = db::schema_status(*db);
    if (!status.pending.empty() || status.newer()) {
      throw Error(ErrorKind::database, fmt::format("the restored database is at schema {}, not {}", status.current, status.latest));
    }
    f.schema_version = status.current;
    SQLite::Statement q(*db, "SELECT COUNT(*), MAX(created_at) FROM trades");
    q.executeStep();
    f.trades = q.getColumn(0).getInt64();
    if (!q.getColumn(1).isNull()) f.newest_trade = q.getColumn(1).getString();
  } catch (const SQLite::Exception& e) {
    throw Error(ErrorKind::database, fmt::format("reading the restored database failed: {}", e.what()));
  }
  if (f.trades != expected_trades) {
    throw Error(ErrorKind::database, fmt::format("the restored database has {} trades, the backup {}", f.trades, expected_trades));
  }
  return f;
}

struct RollbackInput {
  fs::path database;
  int busy_timeout_ms = 5000;
  DaemonHandle* daemon = nullptr;       // restarted when it was running; nullptr: not ours to start
  RestoreJournal* journal = nullptr;    // kept up to date while rolling back
  bool daemon_was_running = false;
  bool existed = false;
  bool swapped = false;
  std::optional<fs::path> pre;
  bool pre_moved = false;
  // Set when the files could not be put back or the daemon could not be started again: the
  // journal then stays, so that the next restore, daemon start or bscbotd start-up finishes it.
  mutable bool unsettled = false;
};

void moved_back(const fs::path& pre, const fs::path& database) {
  rename_or_throw(pre, database);
  if (fs::exists(pre.string() + "-wal")) rename_or_throw(pre.string() + "-wal", database.string() + "-wal");
  fsync_path(database.parent_path().empty() ? fs::path(".") : database.parent_path());
}

// Starts bscbotd again after a restore or a recovery that stopped it; returns the state in words.
std::string restart_daemon(const RollbackInput& in, std::optional<pid_t>* started = nullptr) {
  if (!in.daemon_was_running) return "bscbotd was not running and is still stopped";
  if (in.daemon == nullptr) return "bscbotd is starting";
  if (in.journal) {
    in.journal->step = JournalStep::starting_daemon;
    write_journal(*in.journal);
  }
  try {
    if (const auto pid = in.daemon->running()) return fmt::format("bscbotd is running (pid {})", *pid);
    const pid_t pid = in.daemon->start();
    if (started) *started = pid;
    return fmt::format("bscbotd restarted (pid {})", pid);
  } catch (const std::exception& e) {
    in.unsettled = true;
    return fmt::format("bscbotd is stopped (restarting it failed: {}; `bscbot restore` or `bscbot daemon start` starts it)", e.what());
  }
}

// Puts the database back as it was before the restore and restarts the daemon if it ran; returns
// the resulting state in words.
std::string roll_back(const RollbackInput& in, std::optional<pid_t>* started = nullptr) {
  const fs::path& database = in.database;
  if (in.journal) {
    in.journal->step = JournalStep::rolling_back;
    write_journal(*in.journal);
  }
  std::string db_state;
  try {
    if (!in.swapped && in.pre_moved) {
      if (!fs::exists(database) && fs::exists(*in.pre)) moved_back(*in.pre, database);
      db_state = fmt::format("the live database {} was moved back unchanged", database.string());
    } else if (!in.swapped) {
      db_state = fmt::format("the live database {} was not changed", database.string());
    } else if (!in.existed) {
      remove_side_files(database);
      fs::remove(database);
      db_state = fmt::format("there was no database before, so the restored {} was removed", database.string());
    } else if (in.pre_moved) {
      remove_side_files(database);
      moved_back(*in.pre, database);
      db_state = fmt::format("the live database {} is back as it was (its original files were moved back)", database.string());
    } else {
      StagedFile back(database, mode_of(database));
      expand(*in.pre, Compression::none, &back);
      back.finish();
      {
        SQLite::Database db(back.temp_path().string(), SQLite::OPEN_READWRITE, in.busy_timeout_ms);
        db.execAndGet("PRAGMA journal_mode = WAL");
      }
      remove_side_files(back.temp_path());
      fsync_path(back.temp_path());
      swap_in(back, database);
      crash_point("restore.rolled_back");
      db_state = fmt::format("the live database {} holds the pre-restore copy again ({} is kept)", database.string(), in.pre->string());
    }
  } catch (const std::exception& e) {
    // The journal stays: the next restore, daemon start or bscbotd start tries again.
    in.unsettled = true;
    return fmt::format("ROLLBACK FAILED ({}): {} may hold the restored backup; the database as it was is {}", e.what(),
                       database.string(), in.pre ? in.pre->string() : std::string("gone"));
  }
  return db_state + "; " + restart_daemon(in, started);
}

// Removes what an interrupted restore staged beside the database: the prepared copy and its side
// files, and partial copies of writers that are gone.
void remove_staged(const RestoreJournal& j) {
  std::error_code ec;
  if (!j.stage.empty() && inode_of(j.stage) != 0) fs::remove(j.stage, ec);
  if (!j.stage.empty()) remove_side_files(j.stage);
  reclaim_temp_files(j.database.parent_path().empty() ? fs::path(".") : j.database.parent_path());
}

// Whether a bscbotd runs on the database now; one we cannot manage (under systemd) counts.
bool daemon_runs(DaemonHandle* daemon) {
  if (daemon == nullptr) return false;
  try {
    return daemon->running().has_value();
  } catch (const Error&) {
    return true;
  }
}

std::optional<Recovery> recover_locked(const fs::path& database, DaemonHandle* daemon, int busy_timeout_ms) {
  auto journal = read_journal(database);
  if (!journal) return std::nullopt;
  RestoreJournal& j = *journal;
  j.database = database;  // the journal's own place decides, should the folder have moved
  Recovery rec;
  rec.journal = j;
  const bool swapped = j.stage_inode != 0 && inode_of(database) == j.stage_inode;
  const std::string what = fmt::format("an interrupted restore of {} (pid {}, started {} UTC, stopped while {})", j.backup.string(), j.pid,
                                       j.started_at, to_string(j.step));
  RollbackInput in;
  in.database = database;
  in.busy_timeout_ms = busy_timeout_ms;
  in.daemon = daemon;
  in.journal = &j;
  in.daemon_was_running = j.daemon_was_running;
  in.existed = j.database_existed;
  in.swapped = swapped;
  if (!j.pre_restore.empty()) in.pre = j.pre_restore;
  // Moved aside (not copied) when the live name is gone but the pre-restore name holds it.
  in.pre_moved = j.pre_moved || (in.pre && j.database_existed && !swapped && inode_of(database) == 0 && inode_of(*in.pre) == j.live_inode);

  std::string outcome;
  if (j.step == JournalStep::starting_daemon) {
    // The files were final (restored and checked, or rolled back); only the daemon's start was
    // left. A bscbotd started then may have written since: nothing is checked or moved.
    rec.finished = swapped;
    outcome = fmt::format("{}: the database was final; {}", swapped ? "finished" : "rolled back", restart_daemon(in, &rec.daemon_pid));
  } else if ((swapped || inode_of(database) != j.live_inode) && daemon_runs(daemon)) {
    // The files are mid-way and a daemon has them open: moving them now would pull them from under it.
    throw Error(ErrorKind::conflict, fmt::format("{} left its journal {}, but bscbotd runs on {} now; stop it (`bscbot daemon stop`) and run "
                                                 "`bscbot restore` to finish or roll back",
                                                 what, journal_path(database).string(), database.string()));
  } else if (swapped && j.step != JournalStep::rolling_back) {
    try {
      const RestoredFacts f = check_restored(database, busy_timeout_ms, j.expected_trades);
      rec.finished = true;
      outcome = fmt::format("finished: {} holds the backup ({} trades, schema {}); {}", database.string(), f.trades, f.schema_version,
                            restart_daemon(in, &rec.daemon_pid));
    } catch (const std::exception& e) {
      outcome = fmt::format("the restored database failed its check ({}), so it was rolled back: {}", e.what(), roll_back(in, &rec.daemon_pid));
    }
  } else {
    outcome = "rolled back: " + roll_back(in, &rec.daemon_pid);
    // The database is the one from before, untouched: a full copy of it is not needed.
    if (in.pre && !in.pre_moved && j.live_inode != 0 && inode_of(database) == j.live_inode && inode_of(*in.pre) != 0) {
      std::error_code ec;
      fs::remove(*in.pre, ec);
      remove_side_files(*in.pre);
    }
  }
  remove_staged(j);
  if (!in.unsettled) remove_journal(database);
  rec.summary = what + " was " + outcome;
  return rec;
}

std::string describe_facts(const VerifyReport& r) {
  if (!r.facts) return "verified";
  return fmt::format("{} trades, newest {}, schema {}", r.facts->rows("trades"), r.facts->newest_trade.value_or("none"), r.facts->schema.current);
}

}  // namespace

std::string_view to_string(RestoreStep step) {
  switch (step) {
    case RestoreStep::verify: return "verify";
    case RestoreStep::prepare: return "prepare";
    case RestoreStep::stop_daemon: return "stop daemon";
    case RestoreStep::pre_restore_copy: return "pre-restore copy";
    case RestoreStep::swap: return "swap";
    case RestoreStep::check: return "check";
    case RestoreStep::start_daemon: return "start daemon";
    case RestoreStep::rollback: return "rollback";
  }
  return "restore";
}

std::vector<fs::path> latest_candidates(const fs::path& backup_dir) {
  std::vector<fs::path> out;
  // One candidate per file, not per recorded checksum: a weekly or monthly hard link of a daily
  // is the same file and fails or passes with it, but a tier file whose manifest merely claims
  // the daily's checksum must not hide the daily.
  std::set<std::pair<dev_t, ino_t>> seen;
  for (const BackupEntry& e : scan_catalog(backup_dir).entries) {
    if (!e.good()) continue;
    struct stat st {};
    if (::stat(e.path.c_str(), &st) == 0 && !seen.insert({st.st_dev, st.st_ino}).second) continue;
    out.push_back(e.path);
  }
  return out;
}

std::vector<fs::path> restore_candidates(const fs::path& backup_dir, const std::string& file, bool latest, BackupFormat format) {
  if (latest == !file.empty()) throw Error(ErrorKind::usage, "give either a backup FILE or --latest");
  if (!latest) {
    if (format_of(file) != format) {
      throw Error(ErrorKind::usage, fmt::format("{} is a {} backup, and this deployment's database (DB_CLIENT) needs a {} one", file,
                                                to_string(format_of(file)), to_string(format)));
    }
    return {file};
  }
  std::vector<fs::path> found;
  for (const fs::path& p : latest_candidates(backup_dir)) {
    if (format_of(p) == format) found.push_back(p);
  }
  if (found.empty()) {
    throw Error(ErrorKind::not_found, fmt::format("there is no good {} backup in {}; see `bscbot backup list`", to_string(format), backup_dir.string()));
  }
  return found;
}

fs::path pre_restore_path(const fs::path& database, SystemTime now) {
  const std::string stamp = to_sql_datetime(now);  // "YYYY-MM-DD HH:MM:SS"
  std::string compact;
  for (char c : stamp) {
    if (c == ' ') compact += '_';
    else if (c != '-' && c != ':') compact += c;
  }
  const fs::path dir = database.parent_path();
  const std::string stem = database.stem().string();
  const std::string ext = database.extension().string();
  for (int n = 1;; ++n) {
    const fs::path p = dir / (n == 1 ? fmt::format("{}_pre-restore_{}{}", stem, compact, ext)
                                     : fmt::format("{}_pre-restore_{}_{}{}", stem, compact, n, ext));
    if (!fs::exists(p)) return p;
  }
}

RestorePlan plan_restore(const RestoreOptions& o, DaemonHandle& daemon, const Clock& clock) {
  RestorePlan p;
  p.database = o.database;
  p.database_exists = fs::exists(o.database);
  bool found = false;
  for (const fs::path& candidate : o.candidates) {
    VerifyOptions vo;
    vo.level = CheckLevel::full;
    vo.progress = o.progress;
    VerifyReport report = verify_backup(candidate, vo);
    if (report.ok()) {
      p.backup = candidate;
      p.verify = std::move(report);
      found = true;
      break;
    }
    p.skipped.push_back({candidate, report.problem()});
  }
  if (!found) refuse(o, p.skipped);
  p.interrupted = read_journal(o.database);
  p.daemon_pid = daemon.running();
  p.pre_restore_copy = pre_restore_path(o.database, clock.now());

  const auto& facts = p.verify.facts;
  if (p.interrupted) {
    p.steps.push_back(fmt::format("finish or roll back the interrupted restore of {} (pid {}, stopped while {})", p.interrupted->backup.string(),
                                  p.interrupted->pid, to_string(p.interrupted->step)));
  }
  p.steps.push_back(fmt::format("verify {}: ok ({})", p.backup.string(), describe_facts(p.verify)));
  std::string prepare = fmt::format("write it uncompressed beside {} and switch it to WAL mode", o.database.string());
  if (facts && !facts->schema.pending.empty()) {
    prepare += fmt::format("; migrate it from schema {} to {}", facts->schema.current, facts->schema.latest);
  }
  p.steps.push_back(prepare);
  p.steps.push_back(p.daemon_pid ? fmt::format("stop bscbotd (pid {}), as `bscbot daemon stop` does", *p.daemon_pid)
                                 : std::string("bscbotd is not running: nothing to stop"));
  p.steps.push_back(p.database_exists ? fmt::format("copy the current database to {} with SQLite's backup API", p.pre_restore_copy.string())
                                      : fmt::format("there is no database at {}: nothing to keep", o.database.string()));
  p.steps.push_back(fmt::format("rename the prepared file over {} and remove its old -wal and -shm", o.database.string()));
  p.steps.push_back("check the restored database: WAL mode, quick_check, schema, trade count");
  p.steps.push_back(p.daemon_pid ? std::string("start bscbotd again and wait until it is healthy")
                                 : std::string("leave bscbotd stopped, as it was"));
  return p;
}

std::optional<Recovery> recover_restore(const fs::path& database, DaemonHandle* daemon, int busy_timeout_ms) {
  std::error_code ec;
  if (!fs::exists(journal_path(database), ec)) return std::nullopt;
  RestoreLock lock(database);
  return recover_locked(database, daemon, busy_timeout_ms);
}

RestoreResult restore_backup(const RestoreOptions& o, DaemonHandle& daemon, const Clock& clock) {
  if (o.candidates.empty()) refuse(o, {});
  RestoreResult result;
  result.database = o.database;
  auto lap = std::chrono::steady_clock::now();
  const auto record = [&](RestoreStep step, const std::string& detail) {
    const auto now = std::chrono::steady_clock::now();
    result.steps.push_back({step, detail, std::chrono::duration_cast<std::chrono::milliseconds>(now - lap)});
    lap = now;
    if (o.on_step) o.on_step(step, detail);
  };

  std::error_code ec;
  if (o.database.has_parent_path()) fs::create_directories(o.database.parent_path(), ec);
  // One restore at a time; an earlier one that was killed is finished or rolled back first,
  // and what killed runs staged beside the database goes.
  RestoreLock lock(o.database);
  result.recovered = recover_locked(o.database, &daemon, o.busy_timeout_ms);
  reclaim_temp_files(o.database.parent_path().empty() ? fs::path(".") : o.database.parent_path());
  const bool existed = fs::exists(o.database);

  // A daemon restore cannot stop (one under systemd) is refused before the long verify.
  daemon.running();

  // Nothing changes until the daemon is stopped: verify, stage and migrate beside the database.
  check_space(o);
  Staged staged = stage_backup(o);
  result.backup = staged.backup;
  result.skipped = staged.skipped;
  record(RestoreStep::verify, fmt::format("{} verified ({})", staged.backup.string(), describe_facts(staged.report)));
  crash_point("restore.verified");
  result.migrations = prepare_stage(staged.file->temp_path(), o.busy_timeout_ms);
  record(RestoreStep::prepare, result.migrations.empty() ? std::string("staged in WAL mode")
                                                         : fmt::format("staged in WAL mode, {} migration(s) applied", result.migrations.size()));
  crash_point("restore.prepared");

  const std::optional<pid_t> pid = daemon.running();
  result.daemon_was_running = pid.has_value();
  // From here on the journal says where the restore is, before each step that changes anything.
  RestoreJournal journal;
  journal.pid = ::getpid();
  journal.started_at = to_sql_datetime(clock.now());
  // Absolute paths: the recovery may run from another folder (bscbotd under systemd).
  journal.backup = fs::absolute(staged.backup);
  journal.database = fs::absolute(o.database);
  journal.stage = fs::absolute(staged.file->temp_path());
  journal.stage_inode = inode_of(journal.stage);
  journal.database_existed = existed;
  journal.live_inode = inode_of(o.database);
  journal.daemon_was_running = result.daemon_was_running;
  journal.expected_trades = staged.report.facts ? staged.report.facts->rows("trades") : 0;
  journal.step = JournalStep::stopping_daemon;
  write_journal(journal);
  crash_point("restore.journal_written");
  if (pid) {
    try {
      daemon.stop();
    } catch (const Error& e) {
      remove_journal(o.database);
      throw Error(e.kind(), fmt::format("{}; nothing was changed and bscbotd is still running", e.what()));
    }
  }

  RollbackInput rollback;
  rollback.database = o.database;
  rollback.busy_timeout_ms = o.busy_timeout_ms;
  rollback.daemon = &daemon;
  rollback.journal = &journal;
  rollback.daemon_was_running = result.daemon_was_running;
  rollback.existed = existed;
  RestoreStep current = RestoreStep::stop_daemon;
  try {
    crash_point("restore.daemon_stopped");
    record(RestoreStep::stop_daemon, pid ? fmt::format("stopped bscbotd (pid {})", *pid) : std::string("bscbotd was not running"));
    current = RestoreStep::pre_restore_copy;
    if (existed) {
      rollback.pre = pre_restore_path(o.database, clock.now());
      journal.pre_restore = fs::absolute(*rollback.pre);
      journal.step = JournalStep::keeping_current;
      write_journal(journal);
      rollback.pre_moved = keep_current(o, *rollback.pre);
      journal.pre_moved = rollback.pre_moved;
      result.pre_restore_copy = rollback.pre;
      record(current, rollback.pre_moved ? fmt::format("SQLite could not read the current database; its files were moved to {}", rollback.pre->string())
                                         : fmt::format("current database copied to {}", rollback.pre->string()));
    } else {
      record(current, "there was no database: nothing to keep");
    }
    crash_point("restore.pre_restore_copied");
    current = RestoreStep::swap;
    journal.step = JournalStep::swapping;
    write_journal(journal);
    swap_in(*staged.file, o.database);
    rollback.swapped = true;
    crash_point("restore.swapped");
    record(current, fmt::format("{} replaced atomically; no old -wal or -shm left", o.database.string()));
    current = RestoreStep::check;
    journal.step = JournalStep::checking;
    write_journal(journal);
    const RestoredFacts facts = check_restored(o.database, o.busy_timeout_ms, journal.expected_trades);
    result.trades = facts.trades;
    result.newest_trade = facts.newest_trade;
    result.schema_version = facts.schema_version;
    crash_point("restore.checked");
    record(current, fmt::format("WAL mode, quick_check ok, schema {}, {} trades", facts.schema_version, facts.trades));
    current = RestoreStep::start_daemon;
    journal.step = JournalStep::starting_daemon;
    write_journal(journal);
    if (result.daemon_was_running) {
      result.daemon_pid = daemon.start();
      crash_point("restore.daemon_started");
      record(current, fmt::format("bscbotd started (pid {}) and healthy", *result.daemon_pid));
    } else {
      record(current, "bscbotd was not running before: left stopped");
    }
    remove_journal(o.database);
    crash_point("restore.done");
  } catch (const std::exception& e) {
    const std::string state = roll_back(rollback);
    if (!rollback.unsettled) remove_journal(o.database);
    const auto* error = dynamic_cast<const Error*>(&e);
    throw Error(error ? error->kind() : ErrorKind::internal, fmt::format("restore failed at {}: {}; rolled back: {}", to_string(current), e.what(), state));
  }
  return result;
}

}  // namespace bscbot::core::backup
