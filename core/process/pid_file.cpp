#include "core/process/pid_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "core/error.hpp"
#include "core/util/files.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::process {

namespace {

constexpr std::string_view k_deleted = " (deleted)";

const std::string& boot_id() {
  static const std::string id = [] {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string line;
    std::getline(in, line);
    return line;
  }();
  return id;
}

// "pid (comm) S ... starttime ...": the comm may hold spaces or parentheses, so the fields are
// read after the last ')'. Returns the state letter and field 22.
std::optional<std::pair<char, std::uint64_t>> read_stat(pid_t pid) {
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(stat, line)) return std::nullopt;
  const auto close = line.rfind(')');
  if (close == std::string::npos || close + 2 >= line.size()) return std::nullopt;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  char state = '?';
  for (int i = 3; fields >> field; ++i) {
    if (i == 3) state = field.empty() ? '?' : field[0];
    if (i == 22) return std::make_pair(state, static_cast<std::uint64_t>(std::stoull(field)));
  }
  return std::nullopt;
}

fs::path without_deleted(fs::path p) {
  std::string s = p.string();
  if (s.size() > k_deleted.size() && s.compare(s.size() - k_deleted.size(), k_deleted.size(), k_deleted) == 0) {
    s.resize(s.size() - k_deleted.size());
  }
  return s;
}

// Whether `pid` has the file at `path` open (compared by device and inode, so another name for
// the same file counts and a replaced file does not).
std::optional<bool> holds_open(pid_t pid, const fs::path& path) {
  struct stat want {};
  if (::stat(path.c_str(), &want) != 0) return false;
  std::error_code ec;
  fs::directory_iterator it(fmt::format("/proc/{}/fd", pid), ec);
  if (ec) return std::nullopt;  // not ours to inspect
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) return std::nullopt;
    struct stat got {};
    if (::stat(it->path().c_str(), &got) == 0 && got.st_dev == want.st_dev && got.st_ino == want.st_ino) return true;
  }
  return false;
}

std::string describe(const ProcessIdentity& id) {
  return fmt::format("{} (started at tick {})", id.exe.empty() ? std::string("a process we may not inspect") : id.exe.string(),
                     id.start_ticks);
}

}  // namespace

std::optional<ProcessIdentity> process_identity(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  const auto stat = read_stat(pid);
  if (!stat || stat->first == 'Z' || stat->first == 'X') return std::nullopt;
  // Another user's process hides its executable: it is alive, with an identity that matches none.
  std::error_code ec;
  const fs::path exe = fs::read_symlink(fmt::format("/proc/{}/exe", pid), ec);
  return ProcessIdentity{ec ? fs::path() : without_deleted(exe), stat->second, boot_id()};
}

std::optional<pid_t> read_pid_file(const fs::path& path) {
  std::ifstream in(path);
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return std::nullopt;
  return static_cast<pid_t>(pid);
}

std::optional<PidRecord> read_pid_record(const fs::path& path) {
  const auto pid = read_pid_file(path);
  if (!pid) return std::nullopt;
  PidRecord r;
  r.pid = *pid;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // the pid
  std::optional<std::string> exe, start, boot;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "exe") exe = value;
    else if (key == "start_ticks") start = value;
    else if (key == "boot_id") boot = value;
    else if (key == "cwd") r.cwd = value;
    else if (key == "data_dir") r.data_dir = value;
  }
  if (exe && start && boot) {
    try {
      r.identity = ProcessIdentity{*exe, std::stoull(*start), *boot};
    } catch (const std::exception&) {
      // A damaged identity proves nothing: the record is treated as unproven.
    }
  }
  return r;
}

PidCheck check_pid_file(const fs::path& path) {
  PidCheck c;
  std::error_code ec;
  if (!fs::exists(path, ec)) return c;
  const auto record = read_pid_record(path);
  if (!record) {
    c.state = PidState::other;
    c.detail = fmt::format("{} does not hold a pid", path.string());
    return c;
  }
  c.pid = record->pid;
  const auto live = process_identity(record->pid);
  if (!live) {
    c.state = PidState::gone;
    c.detail = fmt::format("pid {} is not running", record->pid);
    return c;
  }
  if (!record->identity) {
    if (live->exe.filename() == "bscbotd") {
      c.state = PidState::unproven;
      c.detail = fmt::format("{} was written by an older bscbotd and records no identity: pid {} is a bscbotd ({}) but not provably "
                             "this deployment's; if it is, stop it once by hand (kill {})",
                             path.string(), record->pid, live->exe.string(), record->pid);
    } else {
      c.state = PidState::other;
      c.detail = fmt::format("pid {} is {}, not bscbotd", record->pid, live->exe.string());
    }
    return c;
  }
  if (*record->identity != *live) {
    c.state = PidState::other;
    c.detail = fmt::format("pid {} is now {}, not the bscbotd {} that wrote {} (the pid was reused, or the file copied)", record->pid,
                           describe(*live), describe(*record->identity), path.string());
    return c;
  }
  const auto holds = holds_open(record->pid, path);
  if (!holds || !*holds) {
    const fs::path their_cwd = fs::read_symlink(fmt::format("/proc/{}/cwd", record->pid), ec);
    c.state = PidState::other;
    c.detail = !holds ? fmt::format("pid {} cannot be inspected (no access to /proc/{}/fd), so it is not proven to be this "
                                    "deployment's bscbotd",
                                    record->pid, record->pid)
                      : fmt::format("pid {} is the bscbotd of another deployment ({}): it does not hold {}", record->pid,
                                    ec ? std::string("its folder is unknown") : their_cwd.string(), path.string());
    return c;
  }
  c.state = PidState::ours;
  c.detail = fmt::format("pid {} ({})", record->pid, describe(*live));
  return c;
}

HeldPidFile::HeldPidFile(fs::path path, const fs::path& data_dir) : m_path(std::move(path)) {
  const auto self = process_identity(::getpid());
  if (!self) throw Error(ErrorKind::internal, "cannot read this process's own identity from /proc/self");
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  const std::string text = fmt::format("{}\nexe={}\nstart_ticks={}\nboot_id={}\ncwd={}\ndata_dir={}\n", ::getpid(), self->exe.string(),
                                       self->start_ticks, self->boot_id, cwd.string(), fs::absolute(data_dir, ec).string());
  if (m_path.has_parent_path()) fs::create_directories(m_path.parent_path());
  atomic_write_file(m_path, text);
  m_fd = ::open(m_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (m_fd < 0) throw Error(ErrorKind::io, fmt::format("cannot open pid file {}: {}", m_path.string(), std::strerror(errno)));
}

HeldPidFile::~HeldPidFile() {
  struct stat held {}, now {};
  // Removed only if it is still the file we wrote: a newer daemon may have replaced it.
  if (m_fd >= 0 && ::fstat(m_fd, &held) == 0 && ::stat(m_path.c_str(), &now) == 0 && held.st_dev == now.st_dev &&
      held.st_ino == now.st_ino && read_pid_file(m_path) == ::getpid()) {
    std::error_code ec;
    fs::remove(m_path, ec);
  }
  if (m_fd >= 0) ::close(m_fd);
}

bool is_running_program(pid_t pid, const char* name) {
  if (pid <= 0 || (::kill(pid, 0) != 0 && errno != EPERM)) return false;
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto open = line.find('(');
  const auto close = line.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close + 2 >= line.size()) return false;
  const std::string comm = line.substr(open + 1, close - open - 1);
  const char state = line[close + 2];
  if (state == 'Z' || state == 'X') return false;
  return comm == name;
}

}  // namespace bscbot::core::process
