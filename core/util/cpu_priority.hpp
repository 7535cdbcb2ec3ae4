#pragma once
// A batch job's CPU priority. On a two-core machine a backup's copy and hash threads keep both
// cores busy, and the daemon's writer, woken for its next commit, queued behind them for up to
// 56 ms (bench/run, scenario backup); at niceness 10 its longest commit stayed under 16 ms and
// the backup took no longer. The systemd unit sets the same niceness; cron and a shell do not.

#include <string>

namespace bscbot::core::util {

// Lowers this process's CPU priority to `niceness` (0-19) for the threads it starts from now on;
// never raises it (a caller already at a higher niceness, as under systemd's Nice=, keeps it).
// Returns the error text when the kernel refused, empty otherwise.
std::string lower_cpu_priority(int niceness);

}  // namespace bscbot::core::util
