#pragma once
// The online, consistent copy of a live database through SQLite's backup API. On a WAL database
// (the daemon's) the copy reads one snapshot inside a single read transaction: the daemon's
// writers never wait for it, later commits are not mixed in, and the copy never restarts. It is
// done in steps of a few pages so progress can be reported and the disk is not monopolised.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>

namespace bscbot::core::backup {

class CopyDigest;

struct CopyProgress {
  std::int64_t pages_done = 0;
  std::int64_t pages_total = 0;
  std::int64_t page_size = 0;
  std::uintmax_t bytes_done() const { return static_cast<std::uintmax_t>(pages_done * page_size); }
  std::uintmax_t bytes_total() const { return static_cast<std::uintmax_t>(pages_total * page_size); }
};

using CopyProgressFn = std::function<void(const CopyProgress&)>;

struct CopyOptions {
  int step_pages = 1024;                      // pages copied per step
  std::chrono::milliseconds step_sleep{0};    // pause between steps (gives the disk to others)
  int busy_timeout_ms = 5000;                 // how long a locked source may keep us waiting
  CopyProgressFn progress;                    // told after every step
  std::filesystem::path report_as;            // the name errors use for the copy (default: dest)
  CopyDigest* digest = nullptr;               // hashes the copy as it is written, when given
  // Called once on a WAL source, after the copy has pinned its snapshot and while a write lock
  // held for the call keeps any commit from landing: a read transaction begun in it on another
  // connection sees exactly what the copy holds. Not called when the lock cannot be had (a
  // read-only source, a writer holding it past a second) or the source is in rollback mode.
  std::function<void()> same_snapshot;
};

struct CopyResult {
  std::int64_t pages = 0;
  std::int64_t page_size = 0;
  int steps = 0;
  bool snapshot = false;                      // one read transaction spanned every step
  bool shared_snapshot = false;               // same_snapshot was called
  std::chrono::milliseconds elapsed{0};
  std::chrono::microseconds longest_step{0};
};

// Copies the database at `source` into `dest`, an existing empty file (a StagedFile's temp path),
// and leaves the copy in rollback-journal (DELETE) mode so it is one self-contained file. Does not
// fsync: the caller owns the file. Throws core::Error(database) when the source cannot be read
// and core::Error(io) when the copy cannot be written (a full disk says so).
CopyResult copy_database(const std::filesystem::path& source, const std::filesystem::path& dest,
                         const CopyOptions& options);

// Removes `path`-journal, -wal and -shm if present (SQLite's side files of a closed database).
void remove_side_files(const std::filesystem::path& path);

}  // namespace bscbot::core::backup
