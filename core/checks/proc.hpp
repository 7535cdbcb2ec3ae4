#pragma once
// Memory and CPU from /proc, as `top`, `free` and `pm2 describe` showed them in the manual.
// Reading goes through ProcReader so unit tests feed fixture text; everything else is parsing
// and arithmetic on that text.
#include <sys/types.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace bscbot::core::checks {

class ProcReader {
public:
  virtual ~ProcReader() = default;
  // The contents of /proc/`relative` (e.g. "stat", "meminfo", "1234/status"); nullopt when the
  // file cannot be read (the process is gone, /proc is not mounted).
  virtual std::optional<std::string> read(const std::string& relative) const = 0;
};

// The real /proc, or a folder laid out like it.
class ProcFs final : public ProcReader {
public:
  explicit ProcFs(std::filesystem::path root = "/proc") : m_root(std::move(root)) {}
  std::optional<std::string> read(const std::string& relative) const override;

private:
  std::filesystem::path m_root;
};

// Jiffies spent busy and in total over all CPUs, from the "cpu" line of /proc/stat.
struct HostCpu {
  double busy = 0;
  double total = 0;
};
std::optional<HostCpu> parse_host_cpu(std::string_view proc_stat);

// utime + stime of a process in clock ticks, from /proc/<pid>/stat.
std::optional<double> parse_process_ticks(std::string_view pid_stat);

// VmRSS of a process in bytes, from /proc/<pid>/status.
std::optional<double> parse_rss_bytes(std::string_view pid_status);

struct MemInfo {
  double total_bytes = 0;
  double available_bytes = 0;
  // Used share as `free -m` computes the manual's percentage, but with MemAvailable so page
  // cache does not count as used.
  double used_percent() const { return total_bytes > 0 ? (total_bytes - available_bytes) * 100.0 / total_bytes : 0; }
};
std::optional<MemInfo> parse_meminfo(std::string_view meminfo);

// One reading of the host's CPU counters and, when `pid` is given, one process's.
struct CpuReading {
  std::optional<HostCpu> host;
  std::optional<double> process_ticks;
  std::chrono::steady_clock::time_point at{};
};
CpuReading read_cpu(const ProcReader& proc, std::optional<pid_t> pid);

struct CpuUsage {
  std::optional<double> host_percent;     // of all CPUs together, 0..100
  std::optional<double> process_percent;  // of one CPU, as top shows it (may exceed 100)
  double seconds = 0;                     // length of the window
};

// Usage between two readings; `ticks_per_second` is sysconf(_SC_CLK_TCK).
CpuUsage cpu_usage(const CpuReading& before, const CpuReading& after, double ticks_per_second);

double clock_ticks_per_second();

// A sliding window of readings taken about once a second by bscbotd about itself, so
// `bscbot health` can report CPU over the last seconds without waiting to measure it.
class CpuTracker {
public:
  explicit CpuTracker(std::chrono::seconds span = std::chrono::seconds(10)) : m_span(span) {}
  void add(CpuReading reading);
  // Usage from the oldest reading inside the span to the newest; empty before two readings.
  CpuUsage usage(double ticks_per_second) const;

private:
  std::chrono::seconds m_span;
  std::deque<CpuReading> m_readings;
};

}  // namespace bscbot::core::checks
