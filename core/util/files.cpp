#include "core/util/files.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace fs = std::filesystem;

namespace bscbot::core {

namespace {

[[noreturn]] void throw_errno(const std::string& what, const fs::path& path) {
  const int err = errno;
  throw Error(ErrorKind::io, fmt::format("{} {}: {}", what, path.string(), std::strerror(err)));
}

class Fd {
public:
  explicit Fd(int fd) : m_fd(fd) {}
  ~Fd() {
    if (m_fd >= 0) ::close(m_fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return m_fd; }
  int release() {
    const int fd = m_fd;
    m_fd = -1;
    return fd;
  }

private:
  int m_fd;
};

}  // namespace

fs::path temp_path_beside(const fs::path& path) {
  static std::atomic<unsigned> counter{0};
  return path.parent_path() /
         fmt::format(".{}.tmp-{}-{}", path.filename().string(), ::getpid(), counter++);
}

std::optional<std::pair<std::string, pid_t>> parse_temp_name(std::string_view name) {
  for (std::string_view side : {"-wal", "-shm", "-journal"}) {
    if (name.ends_with(side)) {
      name.remove_suffix(side.size());
      break;
    }
  }
  if (!name.starts_with('.')) return std::nullopt;
  const auto tmp = name.rfind(".tmp-");
  if (tmp == std::string_view::npos || tmp < 2) return std::nullopt;
  const std::string_view tail = name.substr(tmp + 5);  // "<pid>-<n>"
  const auto dash = tail.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 >= tail.size()) return std::nullopt;
  const auto digits = [](std::string_view s) { return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }); };
  if (!digits(tail.substr(0, dash)) || !digits(tail.substr(dash + 1))) return std::nullopt;
  pid_t pid = 0;
  std::from_chars(tail.data(), tail.data() + dash, pid);
  if (pid <= 0) return std::nullopt;
  return std::pair{std::string(name.substr(1, tmp - 1)), pid};
}

namespace {

// A writer is alive while its pid runs a bscbot program (bscbot, bscbotd, or a test binary): a
// pid reused by something else does not keep a leftover.
bool writer_alive(pid_t pid) {
  if (pid == ::getpid()) return true;
  if (::kill(pid, 0) != 0 && errno != EPERM) return false;
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto open = line.find('(');
  const auto close = line.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close + 2 >= line.size()) return false;
  const char state = line[close + 2];
  return state != 'Z' && state != 'X' && line.compare(open + 1, 6, "bscbot") == 0;
}

}  // namespace

std::vector<TempFile> find_temp_files(const fs::path& dir) {
  std::vector<TempFile> out;
  std::error_code ec;
  for (const auto& item : fs::directory_iterator(dir, ec)) {
    const auto parsed = parse_temp_name(item.path().filename().string());
    if (!parsed) continue;
    std::error_code size_ec;
    const bool link = item.is_symlink(size_ec);
    if (!link && !item.is_regular_file(size_ec)) continue;
    TempFile t;
    t.path = item.path();
    t.final_name = parsed->first;
    t.writer = parsed->second;
    t.bytes = link ? 0 : item.file_size(size_ec);
    if (size_ec) t.bytes = 0;
    t.writer_alive = writer_alive(t.writer);
    out.push_back(std::move(t));
  }
  std::sort(out.begin(), out.end(), [](const TempFile& a, const TempFile& b) { return a.path < b.path; });
  return out;
}

std::vector<TempFile> reclaim_temp_files(const fs::path& dir) {
  std::vector<TempFile> removed;
  for (TempFile& t : find_temp_files(dir)) {
    if (t.writer_alive) continue;
    std::error_code ec;
    if (fs::remove(t.path, ec)) removed.push_back(std::move(t));
  }
  return removed;
}

std::uintmax_t total_bytes(const std::vector<TempFile>& files) {
  std::uintmax_t sum = 0;
  for (const TempFile& t : files) sum += t.bytes;
  return sum;
}

void fsync_path(const fs::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw_errno("cannot open", path);
  if (::fsync(fd.get()) != 0) throw_errno("cannot fsync", path);
}

void durable_rename(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) throw_errno("cannot rename to", to);
  const fs::path dir = to.parent_path().empty() ? fs::path(".") : to.parent_path();
  fsync_path(dir);
}

void atomic_write_file(const fs::path& path, std::string_view content, fs::perms mode) {
  const fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  const fs::path tmp = temp_path_beside(path);
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
               static_cast<mode_t>(mode) & 07777));
  if (fd.get() < 0) throw_errno("cannot create", tmp);
  // umask may have narrowed the mode; set it exactly.
  ::fchmod(fd.get(), static_cast<mode_t>(mode) & 07777);
  const char* data = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    const ssize_t n = ::write(fd.get(), data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::unlink(tmp.c_str());
      errno = err;
      throw_errno("cannot write", path);
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    errno = err;
    throw_errno("cannot flush", path);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    errno = err;
    throw_errno("cannot rename to", path);
  }
  fsync_path(dir);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!fs::exists(path)) throw Error(ErrorKind::not_found, fmt::format("{} does not exist", path.string()));
    throw_errno("cannot read", path);
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::uintmax_t available_bytes(const fs::path& path) {
  std::error_code ec;
  fs::path probe = path;
  while (!probe.empty() && !fs::exists(probe, ec)) probe = probe.parent_path();
  if (probe.empty()) probe = ".";
  const fs::space_info info = fs::space(probe, ec);
  if (ec) throw Error(ErrorKind::io, fmt::format("cannot stat filesystem of {}: {}", path.string(), ec.message()));
  return info.available;
}

void set_modified_time(const std::filesystem::path& path, std::chrono::system_clock::time_point t) {
  std::error_code ec;
  std::filesystem::last_write_time(path, std::chrono::file_clock::from_sys(t), ec);
  if (ec) throw Error(ErrorKind::io, fmt::format("cannot set the modification time of {}: {}", path.string(), ec.message()));
}

}  // namespace bscbot::core
