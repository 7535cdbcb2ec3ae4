#include "core/backup/writeback.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace bscbot::core::backup {

namespace {
constexpr std::uint64_t k_chunk = 4ull << 20;  // hand over at least this much at a time
}

WritebackPacer::WritebackPacer(const std::filesystem::path& path, std::uint64_t window_bytes)
    : m_fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)), m_window(window_bytes) {
  if (m_fd >= 0) m_thread = std::thread([this] { run(); });
}

WritebackPacer::~WritebackPacer() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_changed.notify_all();
  if (m_thread.joinable()) m_thread.join();
  if (m_fd >= 0) ::close(m_fd);
}

void WritebackPacer::advance(std::uint64_t done) {
  {
    std::lock_guard lock(m_mutex);
    if (done < m_done + k_chunk) return;
    m_done = done;
  }
  m_changed.notify_all();
}

void WritebackPacer::finish(std::uint64_t size) {
  {
    std::lock_guard lock(m_mutex);
    m_done = size;
    m_finished = true;
  }
  m_changed.notify_all();
}

void WritebackPacer::wait() {
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [this] { return m_fd < 0 || m_idle || m_stopping; });
}

void WritebackPacer::run() {
  std::uint64_t started = 0;  // handed to the kernel up to here
  std::uint64_t waited = 0;   // on disk up to here
  std::unique_lock lock(m_mutex);
  while (true) {
    // finish() must wake this thread even when every byte is already handed over (the copy's last
    // progress report names the full size): then there is nothing left to write, only to say so.
    m_changed.wait(lock, [&] { return m_stopping || m_finished || m_done >= started + k_chunk; });
    if (m_stopping) return;
    if (m_done <= started) {  // finished, and all of it is on its way
      m_idle = true;
      m_changed.notify_all();
      m_changed.wait(lock, [&] { return m_stopping; });
      return;
    }
    // A window at a time, also for what the copy wrote all at once.
    const std::uint64_t until = std::min(m_done, started + m_window);
    lock.unlock();
    ::sync_file_range(m_fd, static_cast<off64_t>(started), static_cast<off64_t>(until - started), SYNC_FILE_RANGE_WRITE);
    started = until;
    if (started > waited + m_window) {
      const std::uint64_t on_disk = started - m_window;
      ::sync_file_range(m_fd, static_cast<off64_t>(waited), static_cast<off64_t>(on_disk - waited),
                        SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
      waited = on_disk;
    }
    lock.lock();
  }
}

}  // namespace bscbot::core::backup
