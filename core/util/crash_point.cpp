#include "core/util/crash_point.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <string>

namespace bscbot::core {

namespace {

struct CrashSettings {
  std::string at;        // the point to die at, without "#n"
  long occurrence = 1;   // die the n-th time it is passed
  std::string log;       // where passed points are listed
  bool active = false;
};

const CrashSettings& settings() {
  static const CrashSettings s = [] {
    CrashSettings c;
    if (const char* at = std::getenv("BSCBOT_TEST_CRASH_AT"); at && *at) {
      c.at = at;
      if (const auto hash = c.at.find('#'); hash != std::string::npos) {
        c.occurrence = std::max(1L, std::strtol(c.at.c_str() + hash + 1, nullptr, 10));
        c.at.resize(hash);
      }
    }
    if (const char* log = std::getenv("BSCBOT_TEST_CRASH_LOG"); log && *log) c.log = log;
    c.active = !c.at.empty() || !c.log.empty();
    return c;
  }();
  return s;
}

}  // namespace

void crash_point(std::string_view name) {
  const CrashSettings& s = settings();
  if (!s.active) return;
  static std::mutex mutex;
  static std::map<std::string, long, std::less<>> passes;
  std::lock_guard lock(mutex);
  const long n = ++passes[std::string(name)];
  if (!s.log.empty()) {
    // One write(2) per line with O_APPEND: lines from concurrent processes never interleave,
    // and the kernel keeps what was written even when SIGKILL follows at once.
    const int fd = ::open(s.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      const std::string line = std::string(name) + "\n";
      [[maybe_unused]] const ssize_t w = ::write(fd, line.data(), line.size());
      ::close(fd);
    }
  }
  if (name == s.at && n == s.occurrence) {
    ::raise(SIGKILL);
    ::_exit(137);  // not reached: SIGKILL cannot be caught
  }
}

}  // namespace bscbot::core
