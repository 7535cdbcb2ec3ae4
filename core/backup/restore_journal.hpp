#pragma once
// The restore journal: a small JSON file beside the live database ("<database>.restore-journal")
// that a restore rewrites, atomically, before each step that changes anything, and removes when
// it is over. After a crash (a SIGKILL, a power cut) the next `bscbot restore`, `bscbot daemon
// start` or bscbotd start-up reads it, says what happened, and finishes the restore (the staged
// backup was already swapped in: it is checked and kept) or rolls it back (the database as it
// was is put back, the staged and partial files go), and starts bscbotd again if it was running.
// A lock (flock on the database's folder) tells a live restore from a dead one.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>


namespace bscbot::core::backup {

// The steps a journal records, in order. Up to `swapping` the live database is untouched (or,
// when SQLite could not read it, moved aside whole); from `starting_daemon` on it is final.
enum class JournalStep { verifying, stopping_daemon, keeping_current, swapping, checking, rolling_back, starting_daemon };

std::string_view to_string(JournalStep step);

struct RestoreJournal {
  pid_t pid = 0;                        // the restore that wrote it
  std::string started_at;               // UTC
  std::filesystem::path backup;
  std::filesystem::path database;
  std::filesystem::path stage;          // the staged, prepared copy (a temp file beside the database)
  std::uint64_t stage_inode = 0;        // the live database has this inode once the swap happened
  bool database_existed = false;
  std::uint64_t live_inode = 0;         // the live database's inode before the restore
  std::filesystem::path pre_restore;    // the copy of the database as it was (empty until chosen)
  bool pre_moved = false;               // the live files themselves were moved there (SQLite could not read them)
  bool daemon_was_running = false;
  std::int64_t expected_trades = 0;     // in the backup: what the check of the restored database expects
  JournalStep step = JournalStep::verifying;
};

std::filesystem::path journal_path(const std::filesystem::path& database);

// The journal beside `database`, or nullopt; an unreadable journal is core::Error(data) naming it.
std::optional<RestoreJournal> read_journal(const std::filesystem::path& database);

// Writes the journal atomically (temp file, fsync, rename) and fsyncs the folder.
void write_journal(const RestoreJournal& journal);

void remove_journal(const std::filesystem::path& database);

// The inode of `path`, 0 when it does not exist.
std::uint64_t inode_of(const std::filesystem::path& path);

// Held for the whole of a restore (and of a recovery), so that only one runs on a database and
// bscbotd can tell a restore in progress from one that died.
class RestoreLock {
public:
  // Takes the lock or throws core::Error(conflict) naming the restore that holds it.
  explicit RestoreLock(const std::filesystem::path& database);
  ~RestoreLock();
  RestoreLock(const RestoreLock&) = delete;
  RestoreLock& operator=(const RestoreLock&) = delete;

  // True when a live process holds the lock of `database` (without taking it).
  static bool held(const std::filesystem::path& database);

private:
  int m_fd = -1;
};

}  // namespace bscbot::core::backup
