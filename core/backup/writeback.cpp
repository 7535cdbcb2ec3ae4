#include "core/backup/writeback.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace bscbot::core::backup {

namespace {
constexpr std::uint64_t k_chunk = 4ull << 20;  // hand over at least this much at a time
}

WritebackPacer::WritebackPacer(const std::filesystem::path& path, std::uint64_t window_bytes)
    : m_fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)), m_window(window_bytes) {}

WritebackPacer::~WritebackPacer() {
  if (m_fd >= 0) ::close(m_fd);
}

void WritebackPacer::advance(std::uint64_t done) {
  if (m_fd < 0 || done < m_started + k_chunk) return;
  ::sync_file_range(m_fd, static_cast<off64_t>(m_started), static_cast<off64_t>(done - m_started), SYNC_FILE_RANGE_WRITE);
  m_started = done;
  if (m_started > m_waited + m_window) {
    const std::uint64_t until = m_started - m_window;
    ::sync_file_range(m_fd, static_cast<off64_t>(m_waited), static_cast<off64_t>(until - m_waited),
                      SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
    m_waited = until;
  }
}

void WritebackPacer::finish() {
  if (m_fd >= 0) ::sync_file_range(m_fd, static_cast<off64_t>(m_started), 0, SYNC_FILE_RANGE_WRITE);
}

}  // namespace bscbot::core::backup
