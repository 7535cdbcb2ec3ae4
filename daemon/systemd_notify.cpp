#include "daemon/systemd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace bscbot::daemon {

namespace {

// A positive decimal number, all of `text`; 0 for anything else.
unsigned long long parse_positive(const char* text) {
  if (text == nullptr || *text < '0' || *text > '9') return 0;
  char* end = nullptr;
  const unsigned long long n = std::strtoull(text, &end, 10);
  return *end == '\0' ? n : 0;
}

}  // namespace

void notify_systemd(std::string_view state) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || path[0] == '\0') return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::size_t len = std::strlen(path);
  // A path, or '@' for a name in the abstract namespace; anything else is not a socket of ours.
  if ((path[0] != '/' && path[0] != '@') || len >= sizeof(addr.sun_path)) return;
  std::memcpy(addr.sun_path, path, len);
  if (path[0] == '@') addr.sun_path[0] = '\0';
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  const auto addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  (void)::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr), addr_len);
  ::close(fd);
}

std::optional<std::chrono::microseconds> systemd_watchdog() {
  const unsigned long long usec = parse_positive(std::getenv("WATCHDOG_USEC"));
  if (usec == 0) return std::nullopt;
  const char* pid = std::getenv("WATCHDOG_PID");
  if (pid != nullptr && parse_positive(pid) != static_cast<unsigned long long>(::getpid())) return std::nullopt;
  return std::chrono::microseconds(usec);
}

}  // namespace bscbot::daemon
