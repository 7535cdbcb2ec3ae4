#include "core/process/pid_file.hpp"

#include <fmt/format.h>
#include <signal.h>

#include <fstream>
#include <string>

#include "core/util/files.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::process {

std::optional<pid_t> read_pid_file(const fs::path& path) {
  std::ifstream in(path);
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return std::nullopt;
  return static_cast<pid_t>(pid);
}

void write_pid_file(const fs::path& path, pid_t pid) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  atomic_write_file(path, fmt::format("{}\n", pid));
}

void remove_pid_file(const fs::path& path, pid_t pid) {
  if (read_pid_file(path) == pid) {
    std::error_code ec;
    fs::remove(path, ec);
  }
}

bool is_running_program(pid_t pid, const char* name) {
  if (pid <= 0 || (::kill(pid, 0) != 0 && errno != EPERM)) return false;
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(stat, line)) return false;
  // "pid (comm) S ...": the comm may hold spaces or parentheses, so read around the last ')'.
  const auto open = line.find('(');
  const auto close = line.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close + 2 >= line.size()) return false;
  const std::string comm = line.substr(open + 1, close - open - 1);
  const char state = line[close + 2];
  if (state == 'Z' || state == 'X') return false;
  return comm == name;
}

}  // namespace bscbot::core::process
