#pragma once
// `bscbot health`: the manual's health-check script and daily checklist in one pass. The
// daemon, database, log and /proc are read in parallel, so the whole run takes about as long
// as its slowest part; the database checks run even when the daemon is down.
#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/checks/daemon_snapshot.hpp"
#include "core/checks/database_checks.hpp"
#include "core/checks/disk.hpp"
#include "core/checks/disk_io.hpp"
#include "core/checks/proc.hpp"
#include "core/checks/status.hpp"
#include "core/config/config.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::checks {

struct HealthOptions {
  Integrity integrity = Integrity::quick;
  std::chrono::milliseconds timeout{2000};     // each request to bscbotd
  // When bscbotd cannot report CPU usage itself (it is down, or older), health measures the
  // host over this window, overlapping the other checks.
  std::chrono::milliseconds cpu_window{200};
  // disk_io compares /proc/diskstats as health starts and as it ends, this far apart at least;
  // health's other work usually takes longer, so it rarely waits.
  std::chrono::milliseconds disk_io_window{100};
  // The last reading of a previous run (HealthReport::disk_io_last) when runs repeat (--watch,
  // bscbotd's notifier): disk_io then covers the whole interval, as iostat's later reports do.
  std::optional<DiskIoReading> disk_io_since;
};

// The system edges a health run reads; tests replace them, the command uses real_edges().
struct HealthEdges {
  const Clock* clock = nullptr;
  const ProcReader* proc = nullptr;
  const ProcReader* sys = nullptr;  // /sys, for the block device behind the data folder
  DiskProbe disk;
  std::function<std::optional<dev_t>(const std::filesystem::path&)> device;  // st_dev of a folder
  std::function<DaemonSnapshot()> daemon;
};

// The system clock, /proc, /sys, stat, statvfs and HTTP to the daemon `cfg` names.
HealthEdges real_edges(const config::Config& cfg, std::chrono::milliseconds timeout);

struct HealthReport {
  std::vector<CheckResult> checks;
  Status status = Status::unknown;
  std::string generated_at;     // ISO 8601 UTC
  double elapsed_ms = 0;
  std::optional<DiskIoReading> disk_io_last;  // for the next run's HealthOptions::disk_io_since
};

// Runs every check against `cfg`'s thresholds; never throws for a failing check (its verdict
// says so), only for our own bugs.
HealthReport run_health(const config::Config& cfg, const HealthOptions& options, const HealthEdges& edges);

// The --json document: overall status and exit code, counts per status, every check (with its
// `figures` when it has more than one).
nlohmann::json to_json(const HealthReport& report);

// One line for monitoring systems: "HEALTH WARN - 23 checks: disk_data 72.4 % (warn >= 70 %)".
std::string summary_line(const HealthReport& report);

// The names of bscbotd's own CPU gauges (ratio of one core / of the host, over ~10 s).
inline constexpr std::string_view k_daemon_cpu_gauge = "bscbotd_cpu_usage_ratio";
inline constexpr std::string_view k_host_cpu_gauge = "host_cpu_usage_ratio";

}  // namespace bscbot::core::checks
