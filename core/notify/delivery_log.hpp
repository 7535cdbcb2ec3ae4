#pragma once
// Every delivery attempt, as one JSON line in LOG_DIR/notifications.jsonl: when, which alerts,
// which channel and destination, the outcome and why. Lines are appended with one write(2) on
// an O_APPEND descriptor, so the daemon and a command appending at once never tear a line; the
// file rotates (notifications.1.jsonl, ...) under a lock when it passes NOTIFY_LOG_MAX_KB.
// `bscbot notify log` reads it back, newest last.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace bscbot::core::notify {

class DeliveryLog {
public:
  DeliveryLog(std::filesystem::path file, std::uintmax_t max_bytes, int max_files);

  // Appends `record` as one line (rotating first when the file is full); throws core::Error(io)
  // naming the file when it cannot be written.
  void append(const nlohmann::json& record) const;

  // The newest `limit` records across the current and rotated files, oldest first; lines that
  // do not parse (a disk that filled mid-write) are skipped.
  std::vector<nlohmann::json> read(std::size_t limit) const;

  // The log files that exist, oldest first.
  std::vector<std::filesystem::path> files() const;

  const std::filesystem::path& path() const { return m_file; }

private:
  std::filesystem::path rotated(int n) const;
  void rotate_if_full(std::uintmax_t incoming) const;

  std::filesystem::path m_file;
  std::uintmax_t m_max_bytes;
  int m_max_files;
};

}  // namespace bscbot::core::notify
