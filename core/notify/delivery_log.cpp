#include "core/notify/delivery_log.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>

#include "core/error.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::notify {

namespace {

class FileLock {
public:
  explicit FileLock(const fs::path& path) : m_fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640)) {
    if (m_fd < 0 || ::flock(m_fd, LOCK_EX) != 0) {
      throw Error(ErrorKind::io, fmt::format("cannot lock {}: {}", path.string(), std::strerror(errno)));
    }
  }
  ~FileLock() {
    if (m_fd >= 0) ::close(m_fd);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

private:
  int m_fd;
};

}  // namespace

DeliveryLog::DeliveryLog(fs::path file, std::uintmax_t max_bytes, int max_files)
    : m_file(std::move(file)), m_max_bytes(max_bytes), m_max_files(max_files < 1 ? 1 : max_files) {}

fs::path DeliveryLog::rotated(int n) const {
  return m_file.parent_path() / fmt::format("{}.{}{}", m_file.stem().string(), n, m_file.extension().string());
}

void DeliveryLog::rotate_if_full(std::uintmax_t incoming) const {
  std::error_code ec;
  const auto size = fs::file_size(m_file, ec);
  if (ec || size + incoming <= m_max_bytes) return;
  FileLock lock(m_file.string() + ".lock");
  // Another writer may have rotated while we waited for the lock.
  const auto again = fs::file_size(m_file, ec);
  if (ec || again + incoming <= m_max_bytes) return;
  fs::remove(rotated(m_max_files), ec);
  for (int n = m_max_files - 1; n >= 1; --n) {
    if (fs::exists(rotated(n), ec)) fs::rename(rotated(n), rotated(n + 1), ec);
  }
  fs::rename(m_file, rotated(1), ec);
  if (ec) throw Error(ErrorKind::io, fmt::format("cannot rotate {}: {}", m_file.string(), ec.message()));
}

void DeliveryLog::append(const nlohmann::json& record) const {
  const std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::error_code ec;
  if (!m_file.parent_path().empty()) fs::create_directories(m_file.parent_path(), ec);
  rotate_if_full(line.size());
  const int fd = ::open(m_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) throw Error(ErrorKind::io, fmt::format("cannot open {}: {}", m_file.string(), std::strerror(errno)));
  // One write of the whole line: O_APPEND places it after every other writer's line.
  const ssize_t n = ::write(fd, line.data(), line.size());
  const int saved = errno;
  ::fdatasync(fd);
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size())) {
    throw Error(ErrorKind::io, fmt::format("cannot append to {}: {}", m_file.string(), n < 0 ? std::strerror(saved) : "short write"));
  }
}

std::vector<fs::path> DeliveryLog::files() const {
  std::vector<fs::path> out;
  std::error_code ec;
  for (int n = m_max_files; n >= 1; --n) {
    if (fs::exists(rotated(n), ec)) out.push_back(rotated(n));
  }
  if (fs::exists(m_file, ec)) out.push_back(m_file);
  return out;
}

std::vector<nlohmann::json> DeliveryLog::read(std::size_t limit) const {
  std::deque<nlohmann::json> kept;
  for (const auto& file : files()) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      try {
        kept.push_back(nlohmann::json::parse(line));
      } catch (const nlohmann::json::exception&) {
        continue;
      }
      if (kept.size() > limit) kept.pop_front();
    }
  }
  return {kept.begin(), kept.end()};
}

}  // namespace bscbot::core::notify
