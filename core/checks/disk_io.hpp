#pragma once
// The manual's `iostat -x 1 3` for the disk holding the database: which block device a folder
// lives on (stat's st_dev, then /sys/dev/block/MAJ:MIN, a partition's figures being its disk's),
// and %util, r/s, w/s and await between two readings of its /proc/diskstats row. /proc and /sys
// are read through ProcReader so unit tests feed fixture text.
#include <sys/types.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/checks/proc.hpp"

namespace bscbot::core::checks {

// The cumulative counters of one /proc/diskstats row (Documentation/admin-guide/iostats.rst).
struct DiskCounters {
  double reads = 0;        // reads completed
  double read_ms = 0;      // time spent reading
  double writes = 0;       // writes completed
  double write_ms = 0;     // time spent writing
  double io_ticks_ms = 0;  // time the device had I/O in flight: what %util is made of
};

// The row of device `major`:`minor` in /proc/diskstats text; nullopt when it has none.
std::optional<DiskCounters> parse_diskstats(std::string_view diskstats, unsigned major, unsigned minor);

struct BlockDevice {
  unsigned major = 0;
  unsigned minor = 0;
  std::string name;  // as /proc/diskstats names it: "sda", "nvme0n1", "dm-0", "md0"
  std::string how;   // how it was found, for the check's detail ("sda2 is a partition of sda"); empty for a plain disk
};

// Why a folder has no block device to measure: the filesystem and its source from
// /proc/self/mountinfo when known (overlay, tmpfs, nfs…), and the reason.
struct NoBlockDevice {
  std::string reason;
};

using DeviceLookup = std::variant<BlockDevice, NoBlockDevice>;

// The block device behind device number `dev` (a file's st_dev). A partition maps to its disk,
// the whole of which iostat's %util is about; device-mapper and md devices are measured as they
// are, since the kernel keeps their own counters. Anonymous devices (major 0: overlayfs, tmpfs,
// btrfs subvolumes) are mapped through the mount's source when it is a /dev node, else named.
// `sys` reads under /sys, `proc` under /proc.
DeviceLookup find_block_device(dev_t dev, const ProcReader& sys, const ProcReader& proc);

// st_dev of `path`, or of its nearest existing parent; nullopt when even that cannot be stat'ed.
std::optional<dev_t> device_of(const std::filesystem::path& path);

// One reading of a device's counters, with when it was taken.
struct DiskIoReading {
  unsigned major = 0;
  unsigned minor = 0;
  std::optional<DiskCounters> counters;  // empty when the row could not be read
  std::chrono::steady_clock::time_point at{};
};

DiskIoReading read_disk_io(const ProcReader& proc, const BlockDevice& device);

struct DiskIoUsage {
  double util_percent = 0;          // io_ticks over wall time, at most 100
  double reads_per_s = 0;
  double writes_per_s = 0;
  std::optional<double> await_ms;   // mean time per completed request; empty when none completed
  double window_ms = 0;
};

// Usage between two readings of one device; nullopt when either lacks counters, the window is
// empty, or a counter went back (a 32-bit wrap, the device re-attached).
std::optional<DiskIoUsage> disk_io_usage(const DiskIoReading& before, const DiskIoReading& after);

// bscbotd's readings over the last `span` (it takes one a second), for usage over that span.
class DiskIoTracker {
public:
  explicit DiskIoTracker(std::chrono::seconds span = std::chrono::seconds(10)) : m_span(span) {}
  void add(DiskIoReading reading);
  // From the oldest reading inside the span to the newest; empty before two readings.
  std::optional<DiskIoUsage> usage() const;

private:
  std::chrono::seconds m_span;
  std::deque<DiskIoReading> m_readings;
};

// The gauges bscbotd publishes them in, labelled device="<name>" (core/checks/health.cpp reads
// them instead of measuring for itself, which would take `bscbot health` 100 ms). The await
// gauge is absent when no request completed in the window.
inline constexpr std::string_view k_disk_io_util_gauge = "disk_io_utilization_ratio";
inline constexpr std::string_view k_disk_io_reads_gauge = "disk_io_reads_per_second";
inline constexpr std::string_view k_disk_io_writes_gauge = "disk_io_writes_per_second";
inline constexpr std::string_view k_disk_io_await_gauge = "disk_io_await_seconds";
inline constexpr std::string_view k_disk_io_window_gauge = "disk_io_window_seconds";

}  // namespace bscbot::core::checks
