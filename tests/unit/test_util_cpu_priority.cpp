// A batch job's CPU priority only ever goes down. Run in a child process: niceness cannot be
// raised back without privileges, and the test runner must keep its own.
#include <doctest/doctest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "core/util/cpu_priority.hpp"

using bscbot::core::util::lower_cpu_priority;

namespace {

// Runs `body` in a forked child; its exit code (0 when every condition held, else the first failed one).
template <class Body>
int in_child(Body body) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

}  // namespace

TEST_CASE("cpu priority: lowered for the threads started after it, never raised") {
  CHECK(in_child([] {
          if (::getpriority(PRIO_PROCESS, 0) >= 7) return 1;  // the test needs room below 7
          if (!lower_cpu_priority(7).empty()) return 2;
          if (::getpriority(PRIO_PROCESS, 0) != 7) return 3;
          int in_thread = -100;
          std::thread([&] { in_thread = ::getpriority(PRIO_PROCESS, 0); }).join();
          if (in_thread != 7) return 4;
          if (!lower_cpu_priority(3).empty()) return 5;  // asking for less is no change...
          if (::getpriority(PRIO_PROCESS, 0) != 7) return 6;
          if (!lower_cpu_priority(12).empty()) return 7;  // ...and more lowers it further
          return ::getpriority(PRIO_PROCESS, 0) == 12 ? 0 : 8;
        }) == 0);
}
