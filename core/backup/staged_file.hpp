#pragma once
// A new file that appears under its real name only once it is complete: written under a hidden
// temp name beside its destination, fsync'd, then renamed. Destroyed before commit(), it removes
// the temp file, so a backup either exists whole or not at all — also when the disk fills up.
#include <cstddef>
#include <filesystem>
#include <string>

namespace bscbot::core::backup {

enum class Replace { no, yes };

class StagedFile {
public:
  // Creates the temp file beside `destination` (O_EXCL) with exactly `mode`; throws core::Error(io).
  StagedFile(std::filesystem::path destination, std::filesystem::perms mode);
  ~StagedFile();
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;

  const std::filesystem::path& temp_path() const { return m_temp; }
  const std::filesystem::path& destination() const { return m_destination; }

  // Appends `size` bytes; throws core::Error(io) naming the destination (and the disk being full).
  void write(const void* data, std::size_t size);

  // Flushes the content to disk (whoever wrote it: us or SQLite through temp_path()) and closes.
  void finish();

  // Renames the finished file to its destination and fsyncs the folder. With Replace::no an
  // existing destination is an error (core::Error(conflict)) and the temp file stays for retry.
  void commit(Replace replace);

  // Renames the finished file to `other` instead of its destination.
  void commit_as(const std::filesystem::path& other, Replace replace);

private:
  std::filesystem::path m_destination;
  std::filesystem::path m_temp;
  int m_fd = -1;
  bool m_committed = false;
};

// The one-line message for a failed write of `path`, with the fix when the disk is full.
std::string write_error_message(const std::filesystem::path& path, int err);

// True for errno values that mean "no room left" (ENOSPC, EDQUOT, EFBIG).
bool is_out_of_space(int err);

}  // namespace bscbot::core::backup
