#include "core/util/cpu_priority.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace bscbot::core::util {

std::string lower_cpu_priority(int niceness) {
  errno = 0;
  const int current = ::getpriority(PRIO_PROCESS, 0);  // -1 is also a valid niceness: errno tells
  if (current == -1 && errno != 0) return std::strerror(errno);
  if (current >= niceness) return "";
  // On Linux this sets the calling thread, which every thread started after it inherits.
  if (::setpriority(PRIO_PROCESS, 0, niceness) != 0) return std::strerror(errno);
  return "";
}

}  // namespace bscbot::core::util
