#include "core/backup/copy_digest.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "core/backup/sha256.hpp"

namespace bscbot::core::backup {

namespace {

constexpr std::int64_t k_chunk = 4ll << 20;  // hash at least this much at a time

// -- the VFS shim: the default VFS, with the copy's writes and truncations reported ------------
// SQLite's own shims (test_vfstrace.c, the multiplexor) wrap a file the same way: our object
// first, the real VFS's file behind it in the same allocation.

sqlite3_vfs* g_real = nullptr;
sqlite3_vfs g_observed;
thread_local CopyDigest* t_next = nullptr;  // taken by the next main database opened

struct ObservedFile {
  sqlite3_file base;
  sqlite3_file* real;
  CopyDigest* digest;
};

sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<ObservedFile*>(f)->real; }

int x_close(sqlite3_file* f) { return real(f)->pMethods->xClose(real(f)); }
int x_read(sqlite3_file* f, void* p, int n, sqlite3_int64 at) { return real(f)->pMethods->xRead(real(f), p, n, at); }
int x_write(sqlite3_file* f, const void* p, int n, sqlite3_int64 at) {
  const int rc = real(f)->pMethods->xWrite(real(f), p, n, at);
  if (auto* digest = reinterpret_cast<ObservedFile*>(f)->digest; digest != nullptr && rc == SQLITE_OK) digest->wrote(at, n);
  return rc;
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  const int rc = real(f)->pMethods->xTruncate(real(f), size);
  // Reported even when it failed: a file in an unknown state is not one to trust the hash of.
  if (auto* digest = reinterpret_cast<ObservedFile*>(f)->digest; digest != nullptr) digest->truncated(size);
  return rc;
}
int x_sync(sqlite3_file* f, int flags) { return real(f)->pMethods->xSync(real(f), flags); }
int x_file_size(sqlite3_file* f, sqlite3_int64* size) { return real(f)->pMethods->xFileSize(real(f), size); }
int x_lock(sqlite3_file* f, int level) { return real(f)->pMethods->xLock(real(f), level); }
int x_unlock(sqlite3_file* f, int level) { return real(f)->pMethods->xUnlock(real(f), level); }
int x_check_reserved(sqlite3_file* f, int* out) { return real(f)->pMethods->xCheckReservedLock(real(f), out); }
int x_file_control(sqlite3_file* f, int op, void* arg) { return real(f)->pMethods->xFileControl(real(f), op, arg); }
int x_sector_size(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
int x_device(sqlite3_file* f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); }
// WAL and mmap: the copy enters WAL mode for a moment when it leaves it (its header says WAL).
int x_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return real(f)->pMethods->iVersion >= 2 ? real(f)->pMethods->xShmMap(real(f), region, size, extend, out) : SQLITE_IOERR;
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real(f)->pMethods->iVersion >= 2 ? real(f)->pMethods->xShmLock(real(f), offset, n, flags) : SQLITE_IOERR;
}
void x_shm_barrier(sqlite3_file* f) {
  if (real(f)->pMethods->iVersion >= 2) real(f)->pMethods->xShmBarrier(real(f));
}
int x_shm_unmap(sqlite3_file* f, int remove) {
  return real(f)->pMethods->iVersion >= 2 ? real(f)->pMethods->xShmUnmap(real(f), remove) : SQLITE_OK;
}
int x_fetch(sqlite3_file* f, sqlite3_int64 at, int n, void** out) {
  if (real(f)->pMethods->iVersion >= 3) return real(f)->pMethods->xFetch(real(f), at, n, out);
  *out = nullptr;
  return SQLITE_OK;
}
int x_unfetch(sqlite3_file* f, sqlite3_int64 at, void* p) {
  return real(f)->pMethods->iVersion >= 3 ? real(f)->pMethods->xUnfetch(real(f), at, p) : SQLITE_OK;
}

const sqlite3_io_methods k_methods = {3,           x_close,     x_read,      x_write,        x_truncate,    x_sync,
                                      x_file_size, x_lock,      x_unlock,    x_check_reserved, x_file_control, x_sector_size,
                                      x_device,    x_shm_map,   x_shm_lock,  x_shm_barrier,  x_shm_unmap,   x_fetch,
                                      x_unfetch};

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* f = reinterpret_cast<ObservedFile*>(file);
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  f->digest = nullptr;
  const int rc = g_real->xOpen(g_real, name, f->real, flags, out_flags);
  // SQLite closes what xOpen gave methods to, even when it failed.
  file->pMethods = f->real->pMethods != nullptr ? &k_methods : nullptr;
  // Only the copy itself is observed; its journal or WAL (opened on the same VFS) pass through.
  if (rc == SQLITE_OK && (flags & SQLITE_OPEN_MAIN_DB) != 0 && t_next != nullptr) {
    f->digest = t_next;
    t_next = nullptr;
  }
  return rc;
}

}  // namespace

const char* CopyDigest::vfs_name() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_real = sqlite3_vfs_find(nullptr);
    g_observed = *g_real;  // every other method is the default VFS's, with its own data
    g_observed.pNext = nullptr;
    g_observed.zName = "bscbot-copy-digest";
    g_observed.szOsFile = static_cast<int>(sizeof(ObservedFile)) + g_real->szOsFile;
    g_observed.xOpen = x_open;
    sqlite3_vfs_register(&g_observed, 0);
  });
  return g_observed.zName;
}

CopyDigest::CopyDigest() = default;

CopyDigest::~CopyDigest() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_changed.notify_all();
  if (m_thread.joinable()) m_thread.join();
  if (m_fd >= 0) ::close(m_fd);
  if (t_next == this) t_next = nullptr;  // observed, but the copy was never opened
}

void CopyDigest::observe() {
  vfs_name();
  t_next = this;
}

void CopyDigest::start(const std::filesystem::path& copy, std::string predicted_page1) {
  std::lock_guard lock(m_mutex);
  m_fd = ::open(copy.c_str(), O_RDONLY | O_CLOEXEC);
  m_page_size = static_cast<std::int64_t>(predicted_page1.size());
  m_page1 = std::move(predicted_page1);
  m_written = m_hashed = m_page_size;
  if (m_fd < 0 || m_page_size == 0) {
    m_valid = false;
    return;
  }
  m_started = true;
  m_thread = std::thread([this] { run(); });
}

void CopyDigest::abandon() {
  std::lock_guard lock(m_mutex);
  m_valid = false;
}

void CopyDigest::wrote(std::int64_t offset, std::int64_t size) {
  std::lock_guard lock(m_mutex);
  if (!m_started) {
    m_valid = false;
    return;
  }
  if (offset + size <= m_page_size) return;  // page 1: compared with the prediction at the end
  // SQLite never writes the page holding its lock bytes (the pending byte, 1 GiB into the file,
  // always the start of a page), so a copy past 1 GiB has a hole there, which reads back as
  // zeros: the one gap that is not a sign of pages written out of order.
  constexpr std::int64_t k_lock_page_offset = 0x40000000;
  if (offset == m_written || (m_written == k_lock_page_offset && offset == m_written + m_page_size)) {
    m_written = offset + size;
    if (m_written >= m_hashed + k_chunk) m_changed.notify_all();
    return;
  }
  m_valid = false;  // a page rewritten, or a gap: the hash so far may not be of the final file
  m_changed.notify_all();
}

void CopyDigest::truncated(std::int64_t size) {
  std::lock_guard lock(m_mutex);
  if (size != m_written) {
    m_valid = false;
    m_changed.notify_all();
  }
}

void CopyDigest::run() {
  Sha256 sha;
  std::vector<char> buffer(1 << 20);
  std::unique_lock lock(m_mutex);
  sha.update(m_page1.data(), m_page1.size());
  while (true) {
    m_changed.wait(lock, [&] { return m_stopping || !m_valid || m_finished || m_written >= m_hashed + k_chunk; });
    if (m_stopping || !m_valid) break;
    if (m_written > m_hashed) {
      std::int64_t at = m_hashed;
      const std::int64_t until = m_written;
      lock.unlock();
      bool ok = true;
      while (ok && at < until) {
        const auto want = static_cast<std::size_t>(std::min<std::int64_t>(until - at, static_cast<std::int64_t>(buffer.size())));
        const ssize_t got = ::pread(m_fd, buffer.data(), want, at);
        ok = got > 0;
        if (ok) {
          sha.update(buffer.data(), static_cast<std::size_t>(got));
          at += got;
        }
      }
      lock.lock();
      if (!ok) {
        m_valid = false;
        break;
      }
      m_hashed = until;
      continue;
    }
    if (m_finished) {
      m_hex = sha.hex_digest();
      break;
    }
  }
  m_done = true;
  m_changed.notify_all();
}

std::optional<std::string> CopyDigest::finish(std::uint64_t size) {
  std::unique_lock lock(m_mutex);
  if (!m_started) return std::nullopt;
  m_finished = true;
  m_changed.notify_all();
  m_changed.wait(lock, [&] { return m_done; });
  if (!m_valid || m_hex.empty() || m_written != static_cast<std::int64_t>(size)) return std::nullopt;
  struct stat st {};
  if (::fstat(m_fd, &st) != 0 || static_cast<std::uint64_t>(st.st_size) != size) return std::nullopt;
  std::string page1(m_page1.size(), '\0');
  if (::pread(m_fd, page1.data(), page1.size(), 0) != static_cast<ssize_t>(page1.size()) || page1 != m_page1) return std::nullopt;
  return m_hex;
}

}  // namespace bscbot::core::backup
