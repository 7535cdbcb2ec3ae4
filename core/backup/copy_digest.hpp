#pragma once
// The SHA-256 of a backup, computed on a thread of its own while SQLite writes the copy, so the
// manifest's hash no longer runs after the copy (issue 17: a backup with its manifest as quick as
// a bare `sqlite3 .backup`).
//
// A SHA-256 of the file starts with page 1, and SQLite writes the copy's page 1 last (it stays
// pinned while the backup's transaction is open) and rewrites it when the copy leaves WAL mode.
// So the hash starts from a prediction of page 1's final bytes, made from the source's page 1
// before the copy (core/backup/online_backup.cpp knows what SQLite changes in it), and goes on
// with pages 2..N read back as SQLite writes them, which a VFS shim on the copy reports. That is
// a speculation: finish() gives a digest only when page 1 came out as predicted and every other
// page was written once, in order, up to the file's end (but SQLite's lock page, never written); otherwise none, and the caller hashes
// the finished file as before. A wrong guess costs the old time, never a wrong manifest.
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace bscbot::core::backup {

class CopyDigest {
 public:
  CopyDigest();
  ~CopyDigest();  // stops at once (a failed backup's file is removed anyway)
  CopyDigest(const CopyDigest&) = delete;
  CopyDigest& operator=(const CopyDigest&) = delete;

  // The name of the SQLite VFS to open the copy with (registered on first use). Only the next
  // main database opened on it by this thread after observe() is reported to this digest.
  static const char* vfs_name();
  void observe();

  // Called before the copy's first page is written: its page size and predicted final page 1.
  void start(const std::filesystem::path& copy, std::string predicted_page1);
  // The copy's first pages cannot be predicted (not a WAL snapshot, say): finish() gives none.
  void abandon();

  // The shim's reports: `size` bytes written at `offset`, or the file truncated to `size`.
  void wrote(std::int64_t offset, std::int64_t size);
  void truncated(std::int64_t size);

  // After the copy is closed, `size` bytes long: its SHA-256 as lower-case hex, or none when the
  // speculation did not hold.
  std::optional<std::string> finish(std::uint64_t size);

 private:
  void run();

  std::mutex m_mutex;
  std::condition_variable m_changed;
  int m_fd = -1;
  std::string m_page1;              // predicted
  std::int64_t m_page_size = 0;
  std::int64_t m_written = 0;       // pages 2.. are written in order up to here
  std::int64_t m_hashed = 0;        // and hashed up to here
  bool m_started = false, m_valid = true, m_finished = false, m_stopping = false, m_done = false;
  std::string m_hex;
  std::thread m_thread;
};

}  // namespace bscbot::core::backup
