#pragma once
// Paced writeback of a file being written: the kernel is asked to write each finished stretch
// out as the copy goes, and the copy waits once more than a window's worth is on its way. The
// daemon's commits then never queue behind gigabytes of backup on the same disk (its fsync
// waits for at most one window), where one flush of the whole copy at the end stalled them for
// hundreds of milliseconds (bench/run, scenario backup).
#include <cstdint>
#include <filesystem>

namespace bscbot::core::backup {

class WritebackPacer {
 public:
  // Does nothing when `path` cannot be opened: pacing is an optimisation, never a failure.
  explicit WritebackPacer(const std::filesystem::path& path, std::uint64_t window_bytes = 32ull << 20);
  ~WritebackPacer();
  WritebackPacer(const WritebackPacer&) = delete;
  WritebackPacer& operator=(const WritebackPacer&) = delete;

  // The first `done` bytes of the file are written and will not change.
  void advance(std::uint64_t done);
  // Starts writing out the rest, for the caller's final fsync.
  void finish();

 private:
  int m_fd = -1;
  std::uint64_t m_window;
  std::uint64_t m_started = 0;  // handed to the kernel up to here
  std::uint64_t m_waited = 0;   // on disk up to here
};

}  // namespace bscbot::core::backup
