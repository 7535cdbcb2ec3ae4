#pragma once
// A one-line progress bar on stderr for long backups and restores (bytes, and pages while
// copying). Drawn only when stderr is a terminal and neither --json nor --quiet is given, so cron
// jobs and scripts see nothing of it.
#include <chrono>
#include <cstdint>
#include <string>

#include "cmd/output.hpp"
#include "core/backup/create.hpp"

namespace bscbot::cmd {

class ProgressBar {
public:
  explicit ProgressBar(const Output& out);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  bool active() const { return m_active; }
  // Redraws at most ten times a second, and whenever the phase changes or completes.
  void update(const core::backup::BackupProgress& p);
  // The same for a count of rows (db copy).
  void update_rows(std::string_view phase, std::int64_t done, std::int64_t total);
  // Clears the line, so the next output starts clean.
  void finish();

private:
  bool m_active;
  bool m_drawn = false;
  std::string m_phase;
  std::chrono::steady_clock::time_point m_last{};
};

}  // namespace bscbot::cmd
