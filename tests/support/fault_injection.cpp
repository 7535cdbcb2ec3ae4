#include "tests/support/fault_injection.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

#include "core/util/files.hpp"
#include "tests/support/harness.hpp"

namespace fs = std::filesystem;

namespace bscbot::test {

namespace {

std::string quote(const fs::path& p) { return "'" + p.string() + "'"; }

}  // namespace

bool can_mount() { return ::geteuid() == 0; }

TmpfsMount::TmpfsMount(fs::path dir, std::uintmax_t bytes, bool keep_content) : m_dir(std::move(dir)) {
  fs::create_directories(m_dir);
  const fs::path saved = m_dir.string() + ".before-tmpfs";
  std::string script;
  if (keep_content) script += "rm -rf " + quote(saved) + " && cp -a " + quote(m_dir) + " " + quote(saved) + " && ";
  script += "mount -t tmpfs -o size=" + std::to_string(bytes) + ",mode=0755 tmpfs " + quote(m_dir);
  if (keep_content) script += " && cp -a " + quote(saved) + "/. " + quote(m_dir) + "/ && rm -rf " + quote(saved);
  const RunResult r = shell(script, m_dir.parent_path());
  m_mounted = r.exit_code == 0;
  if (!m_mounted) m_error = "cannot mount a tmpfs on " + m_dir.string() + ": " + r.err;
}

bool TmpfsMount::resize(std::uintmax_t bytes) {
  return m_mounted && shell("mount -o remount,size=" + std::to_string(bytes) + " " + quote(m_dir), m_dir.parent_path()).exit_code == 0;
}

TmpfsMount::~TmpfsMount() {
  if (!m_mounted) return;
  // Lazy, so a process a failed test left behind with a file open cannot keep it mounted.
  shell("umount -l " + quote(m_dir), m_dir.parent_path());
}

std::uintmax_t fill_disk(const fs::path& dir, std::uintmax_t leave) {
  const fs::path filler = dir / "filler";
  std::error_code ec;
  const std::uintmax_t have = fs::exists(filler, ec) ? fs::file_size(filler, ec) : 0;
  const std::uintmax_t free_now = core::available_bytes(dir);
  const std::uintmax_t target = free_now + have > leave ? free_now + have - leave : 0;
  const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot create " + filler.string());
  if (target < have) {
    if (::ftruncate(fd, static_cast<off_t>(target)) != 0) throw std::runtime_error("cannot shrink " + filler.string());
  } else {
    // Written, not fallocated: tmpfs counts pages that hold data.
    ::lseek(fd, static_cast<off_t>(have), SEEK_SET);
    const std::string block(1 << 16, 'f');
    std::uintmax_t left = target - have;
    while (left > 0) {
      const ssize_t n = ::write(fd, block.data(), std::min<std::uintmax_t>(left, block.size()));
      if (n <= 0) break;  // full
      left -= static_cast<std::uintmax_t>(n);
    }
  }
  ::fsync(fd);
  ::close(fd);
  return core::available_bytes(dir);
}

void unfill_disk(const fs::path& dir) {
  std::error_code ec;
  fs::remove(dir / "filler", ec);
}

bool set_immutable(const fs::path& path, bool on) {
  return shell(std::string("chattr ") + (on ? "+i " : "-i ") + quote(path), path.parent_path()).exit_code == 0;
}

WriteLockHolder::WriteLockHolder(const fs::path& db) {
  int ready[2], go[2];
  if (::pipe(ready) != 0 || ::pipe(go) != 0) throw std::runtime_error("pipe failed");
  m_child = ::fork();
  if (m_child == 0) {
    ::close(ready[0]);
    ::close(go[1]);
    char c = 0;
    try {
      SQLite::Database conn(db.string(), SQLite::OPEN_READWRITE, 5000);
      conn.exec("BEGIN IMMEDIATE");
      c = 1;
      [[maybe_unused]] auto w = ::write(ready[1], &c, 1);
      [[maybe_unused]] auto r = ::read(go[0], &c, 1);  // until release() or the parent dies
      conn.exec("ROLLBACK");
    } catch (...) {
      [[maybe_unused]] auto w = ::write(ready[1], &c, 1);
    }
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(go[0]);
  m_release_fd = go[1];
  char c = 0;
  const bool locked = ::read(ready[0], &c, 1) == 1 && c == 1;
  ::close(ready[0]);
  if (!locked) {
    release();
    throw std::runtime_error("the lock holder could not lock " + db.string());
  }
}

void WriteLockHolder::release() {
  if (m_release_fd >= 0) {
    ::close(m_release_fd);
    m_release_fd = -1;
  }
  if (m_child > 0) {
    int status = 0;
    ::waitpid(m_child, &status, 0);
    m_child = -1;
  }
}

WriteLockHolder::~WriteLockHolder() { release(); }

}  // namespace bscbot::test
