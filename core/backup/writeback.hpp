#pragma once
// Paced writeback of a file being written: a thread of its own asks the kernel to write each
// finished stretch out as the copy goes, and waits once more than a window's worth is on its
// way, so the daemon's commits never queue behind gigabytes of backup on the same disk (its
// fsync waits for at most one window), where one flush of the whole copy at the end stalled them
// for hundreds of milliseconds (bench/run, scenario backup). The copy itself never waits: it
// runs at memory speed and the hashing after it overlaps the disk's work, which is what makes a
// backup with its manifest as quick as a bare `sqlite3 .backup`.
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <thread>

namespace bscbot::core::backup {

class WritebackPacer {
 public:
  // Does nothing when `path` cannot be opened: pacing is an optimisation, never a failure.
  explicit WritebackPacer(const std::filesystem::path& path, std::uint64_t window_bytes = 32ull << 20);
  ~WritebackPacer();  // stops at once (a failed backup's file is removed anyway)
  WritebackPacer(const WritebackPacer&) = delete;
  WritebackPacer& operator=(const WritebackPacer&) = delete;

  // The first `done` bytes of the file are written and will not change.
  void advance(std::uint64_t done);
  // The whole file is written: its remaining stretches go out, still a window at a time.
  void finish(std::uint64_t size);
  // Returns when every byte handed over is on its way (for the caller's final fsync).
  void wait();

 private:
  void run();

  int m_fd = -1;
  std::uint64_t m_window;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::uint64_t m_done = 0;  // written by the copy up to here
  bool m_finished = false, m_stopping = false, m_idle = false;
  std::thread m_thread;
};

}  // namespace bscbot::core::backup
