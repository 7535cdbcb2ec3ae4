#pragma once
// Faults from outside for the reliability suites: a small tmpfs mounted over a folder (a disk
// that fills up), a filler file that leaves a chosen number of bytes free, a database file
// nobody may write (chattr +i: root ignores file modes, not the immutable flag), and another
// process holding the database's write lock. Mounting and chattr need root; each fault says
// when it cannot be set up, and the test then reports itself skipped instead of passing.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace bscbot::test {

// True when this process may mount filesystems (root), i.e. the disk-full tests can run.
bool can_mount();

// A tmpfs of `bytes` mounted over `dir` (created if missing) for the object's lifetime. What
// was in `dir` before is hidden while mounted; `keep_content` copies it in first.
class TmpfsMount {
public:
  TmpfsMount(std::filesystem::path dir, std::uintmax_t bytes, bool keep_content = false);
  ~TmpfsMount();
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;
  bool mounted() const { return m_mounted; }
  // Grows or shrinks the filesystem in place (what freeing space on a real disk looks like).
  bool resize(std::uintmax_t bytes);
  const std::string& error() const { return m_error; }

private:
  std::filesystem::path m_dir;
  bool m_mounted = false;
  std::string m_error;
};

// Fills the filesystem of `dir` with the file `dir/filler` until at most `leave` bytes are
// free (grows or shrinks an existing filler). Returns the bytes free afterwards.
std::uintmax_t fill_disk(const std::filesystem::path& dir, std::uintmax_t leave);
// Removes the filler again.
void unfill_disk(const std::filesystem::path& dir);

// Sets or clears the immutable attribute of `path` (chattr); returns false when it cannot.
bool set_immutable(const std::filesystem::path& path, bool on);

// Another process (a forked child) holding `BEGIN IMMEDIATE` on the database at `db` until
// release() or destruction: the manual's "Database locked".
class WriteLockHolder {
public:
  explicit WriteLockHolder(const std::filesystem::path& db);
  ~WriteLockHolder();
  WriteLockHolder(const WriteLockHolder&) = delete;
  WriteLockHolder& operator=(const WriteLockHolder&) = delete;
  void release();

private:
  pid_t m_child = -1;
  int m_release_fd = -1;
};

}  // namespace bscbot::test
