#include <doctest/doctest.h>

#include "core/checks/system_checks.hpp"
#include "tests/support/scratch.hpp"

using namespace bscbot::core::checks;
using bscbot::test::Scratch;

namespace {

DiskProbe fixed_disk(std::uintmax_t used, std::uintmax_t available) {
  return [=](const std::filesystem::path&) { return std::optional<DiskUsage>(DiskUsage{used + available, used, available}); };
}

}  // namespace

TEST_CASE("checks: disk usage of a folder against DISK_USAGE levels, as df computes Use%") {
  const Levels levels{70, 90};
  CHECK(check_disk("disk_data", "data", fixed_disk(50, 50), levels).status == Status::ok);
  const auto warn = check_disk("disk_data", "data", fixed_disk(75, 25), levels);
  CHECK(warn.status == Status::warn);
  CHECK(warn.value == "75 %");
  CHECK(check_disk("disk_logs", "logs", fixed_disk(95, 5), levels).status == Status::crit);
  const auto unknown = check_disk("disk_logs", "logs", [](const std::filesystem::path&) { return std::optional<DiskUsage>(); }, levels);
  CHECK(unknown.status == Status::unknown);
  // The real statvfs answers for an existing folder and for one not created yet.
  Scratch s("disk");
  CHECK(statvfs_usage(s.path()).has_value());
  CHECK(statvfs_usage(s / "not/yet/created").has_value());
}

TEST_CASE("checks: error lines of the last day against LOG_ERRORS levels") {
  Scratch s("log-errors");
  const Levels levels{10, 100};
  LogScan scan;
  scan.files = {s / "api-server.log"};
  scan.error_lines = 3;
  CHECK(check_log_errors(scan, s / "api-server.log", levels).status == Status::ok);
  scan.error_lines = 10;
  CHECK(check_log_errors(scan, s / "api-server.log", levels).status == Status::warn);
  scan.error_lines = 101;
  scan.last_errors = {"2026-11-25 08:00:00.000 [error] Database locked"};
  const auto crit = check_log_errors(scan, s / "api-server.log", levels);
  CHECK(crit.status == Status::crit);
  CHECK(crit.detail.find("Database locked") != std::string::npos);
  CHECK(check_log_errors(LogScan{}, s / "api-server.log", levels).status == Status::unknown);
}

TEST_CASE("checks: memory of the daemon from /proc/<pid>/status and of the host from /proc/meminfo") {
  Scratch s("proc-memory");
  s.write("10/status", "VmRSS:\t  102400 kB\n");    // 100 MB
  s.write("11/status", "VmRSS:\t  614400 kB\n");    // 600 MB
  s.write("12/status", "VmRSS:\t 2097152 kB\n");    // 2 GB
  s.write("meminfo", "MemTotal: 1000000 kB\nMemAvailable: 100000 kB\n");
  const ProcFs proc(s.path());
  const Levels mb{512, 1024};
  CHECK(check_daemon_memory(proc, 10, mb).status == Status::ok);
  CHECK(check_daemon_memory(proc, 11, mb).status == Status::warn);
  CHECK(check_daemon_memory(proc, 12, mb).status == Status::crit);
  CHECK(check_daemon_memory(proc, 13, mb).status == Status::unknown);
  CHECK(check_daemon_memory(proc, std::nullopt, mb).status == Status::unknown);
  const auto host = check_host_memory(proc, Levels{80, 95});
  CHECK(host.status == Status::warn);  // 90 % used
  CHECK(check_host_memory(ProcFs(s / "empty"), Levels{80, 95}).status == Status::unknown);
}

TEST_CASE("checks: CPU of the daemon and the host against CPU levels") {
  const Levels levels{30, 70};
  CHECK(check_daemon_cpu(5.0, "measured", levels).status == Status::ok);
  CHECK(check_daemon_cpu(45.0, "measured", levels).status == Status::warn);
  CHECK(check_daemon_cpu(120.0, "measured", levels).status == Status::crit);
  CHECK(check_daemon_cpu(std::nullopt, "bscbotd is not running", levels).status == Status::unknown);
  CHECK(check_host_cpu(29.9, "measured", levels).status == Status::ok);
  CHECK(check_host_cpu(71.0, "measured", levels).status == Status::crit);
  CHECK(check_host_cpu(std::nullopt, "cannot read /proc/stat", levels).status == Status::unknown);
}
