#pragma once
// The host-side checks: disk space of the data and log folders, error lines in the log, and
// memory and CPU of bscbotd and of the host, each read from the system (statvfs, the log
// files, /proc) through the seams in disk.hpp, log_scan.hpp and proc.hpp.
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

#include "core/checks/disk.hpp"
#include "core/checks/disk_io.hpp"
#include "core/checks/log_scan.hpp"
#include "core/checks/proc.hpp"
#include "core/checks/status.hpp"

namespace bscbot::core::checks {

// Used share of the filesystem holding `folder` (the manual: "< 70 % usage"); CRIT disk_full,
// whatever the share, when less than `margin` bytes are free (DISK_FREE_MIN_MB).
CheckResult check_disk(const std::string& name, const std::filesystem::path& folder, const DiskProbe& probe, Levels percent,
                       std::uintmax_t margin = 0);

// Room for the next backup in BACKUP_DIR: CRIT when less is free than it needs (`needed`: from
// the database's size, by backup::space_needed or pg_space_needed), so the nightly job's failure
// is seen the day before. Unknown when the database's size is (`needed` empty).
CheckResult check_backup_disk(const std::filesystem::path& backup_dir, const DiskProbe& probe, std::optional<std::uintmax_t> needed);

// Error lines logged in the last day (the manual: "< 10 errors/day").
CheckResult check_log_errors(const LogScan& scan, const std::filesystem::path& log_file, Levels lines);

// Resident memory of bscbotd from /proc/<pid>/status (the manual: "< 512 MB").
CheckResult check_daemon_memory(const ProcReader& proc, std::optional<pid_t> pid, Levels megabytes);

// CPU of bscbotd in percent of one core, and how it was measured; nullopt when unknown.
CheckResult check_daemon_cpu(std::optional<double> percent, const std::string& how, Levels levels);

// Used memory of the host from /proc/meminfo.
CheckResult check_host_memory(const ProcReader& proc, Levels percent);

// The manual's `netstat -an | grep :10001 | wc -l`, from /proc/net/tcp and tcp6: connections
// established to `port` (TIME_WAIT ones said in the detail), against `max` (HTTP_MAX_CONNECTIONS,
// beyond which bscbotd answers 503): WARN from 80 %, CRIT at the limit.
CheckResult check_tcp_connections(const ProcReader& proc, int port, std::int64_t max);

// The manual's `iostat -x 1 3` for the disk holding the database (`holding`, e.g. "data/", for
// the detail): %util between `before` and `after` (taken as health starts and ends) against
// `percent` (DISK_IO_WARN_PCT/_CRIT_PCT), with r/s, w/s and await in the detail and figures. OK
// without a figure when `device` found no block device (overlayfs, tmpfs: nothing to measure
// here, which the detail says); UNKNOWN when the folder could not be stat'ed (`device` empty) or
// the counters could not be read.
CheckResult check_disk_io(const std::string& holding, const std::optional<DeviceLookup>& device, const DiskIoReading& before,
                          const DiskIoReading& after, Levels percent);
// The same verdict from the figures bscbotd publishes for the same disk (its disk_io_* gauges).
CheckResult check_disk_io(const std::string& holding, const std::optional<DeviceLookup>& device, const DiskIoUsage& measured_by_daemon,
                          Levels percent);

// CPU of the host in percent of all cores, and how it was measured.
CheckResult check_host_cpu(std::optional<double> percent, const std::string& how, Levels levels);

}  // namespace bscbot::core::checks
