#include <doctest/doctest.h>

#include <map>

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

namespace {

class FakeProc final : public ProcReader {
public:
  std::map<std::string, std::string> files;
  std::optional<std::string> read(const std::string& relative) const override {
    const auto it = files.find(relative);
    return it == files.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
};

constexpr const char* k_tcp_header =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

}  // namespace

TEST_CASE("checks: tcp_connections counts what is established to the port, as netstat | grep :10001 | wc -l") {
  FakeProc proc;
  // Port 10001 is 0x2711: a listener, two clients in, one in TIME_WAIT, and our own client side
  // of a loopback connection (its local port is not 10001), plus another port.
  proc.files["net/tcp"] = std::string(k_tcp_header) +
                          "   0: 0100007F:2711 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 0 111 1\n"
                          "   1: 0100007F:2711 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000 0 112 1\n"
                          "   2: 0100007F:D431 0100007F:2711 01 00000000:00000000 00:00000000 00000000  1000 0 113 1\n"
                          "   3: 0100007F:2711 0100007F:D432 06 00000000:00000000 00:00000000 00000000     0 0 0 1\n"
                          "   4: 0100007F:1F90 0100007F:D433 01 00000000:00000000 00:00000000 00000000  1000 0 114 1\n";
  proc.files["net/tcp6"] = std::string(k_tcp_header) +
                           "   0: 0000000000000000FFFF00000100007F:2711 0000000000000000FFFF00000100007F:D440 01 00000000:00000000 "
                           "00:00000000 00000000  1000 0 115 1\n";
  auto r = check_tcp_connections(proc, 10001, 1000);
  CHECK(r.status == Status::ok);
  CHECK(r.value == "2");
  CHECK(r.detail.find("1 more in TIME_WAIT") != std::string::npos);
  CHECK(check_tcp_connections(proc, 10001, 2).status == Status::crit);   // at the limit
  CHECK(check_tcp_connections(proc, 10001, 3).status == Status::ok);     // 2 < 80 % of 3
  CHECK(check_tcp_connections(proc, 10001, 2).threshold.find("HTTP_MAX_CONNECTIONS") != std::string::npos);
  CHECK(check_tcp_connections(FakeProc{}, 10001, 1000).status == Status::unknown);
}

namespace {

DiskIoReading diskstats_at(int at_ms, double reads, double writes, double io_ticks_ms) {
  return DiskIoReading{8, 0, DiskCounters{reads, reads * 0.5, writes, writes * 2, io_ticks_ms},
                       std::chrono::steady_clock::time_point(std::chrono::milliseconds(at_ms))};
}

std::optional<double> figure(const CheckResult& r, const std::string& name) {
  for (const auto& [n, v] : r.figures) {
    if (n == name) return v;
  }
  FAIL("no figure " << name);
  return std::nullopt;
}

}  // namespace

TEST_CASE("checks: disk_io judges %util of the database's disk against DISK_IO levels, with r/s, w/s and await") {
  const Levels levels{80, 95};
  const std::optional<DeviceLookup> sda = DeviceLookup{BlockDevice{8, 0, "sda", "sda2 is a partition of sda"}};
  // 200 ms: 100 ms busy, 10 reads, 20 writes.
  auto r = check_disk_io("data", sda, diskstats_at(0, 0, 0, 0), diskstats_at(200, 10, 20, 100), levels);
  CHECK(r.name == "disk_io");
  CHECK(r.group == "system");
  CHECK(r.status == Status::ok);
  CHECK(r.value == "50 %");
  REQUIRE(r.number);
  CHECK(*r.number == doctest::Approx(50));
  CHECK(figure(r, "reads_per_s").value_or(-1) == doctest::Approx(50));
  CHECK(figure(r, "writes_per_s").value_or(-1) == doctest::Approx(100));
  CHECK(figure(r, "await_ms").value_or(-1) == doctest::Approx((5.0 + 40.0) / 30.0));
  CHECK(figure(r, "window_ms").value_or(-1) == doctest::Approx(200));
  CHECK(r.detail.find("sda (8:0, holding data; sda2 is a partition of sda): 50 r/s, 100 w/s, await 1.5 ms over 200 ms") == 0);
  CHECK(r.threshold == "warn >= 80 % util, crit > 95 % util");
  CHECK(check_disk_io("data", sda, diskstats_at(0, 0, 0, 0), diskstats_at(200, 1, 1, 170), levels).status == Status::warn);
  r = check_disk_io("data", sda, diskstats_at(0, 0, 0, 0), diskstats_at(200, 1, 1, 200), levels);
  CHECK(r.status == Status::crit);
  CHECK(r.value == "100 %");
  // No request completed: await is not a number.
  r = check_disk_io("data", sda, diskstats_at(0, 0, 0, 0), diskstats_at(200, 0, 0, 0), levels);
  CHECK(r.status == Status::ok);
  CHECK_FALSE(figure(r, "await_ms"));
  CHECK(r.detail.find("await - (no request completed)") != std::string::npos);
}

TEST_CASE("checks: disk_io without a block device is OK without a figure; unreadable counters are UNKNOWN") {
  const Levels levels{80, 95};
  const DiskIoReading none{};
  const std::optional<DeviceLookup> overlay = DeviceLookup{NoBlockDevice{"overlay (source overlay, device 0:45) is not backed by a block device"}};
  auto r = check_disk_io("data", overlay, none, none, levels);
  CHECK(r.status == Status::ok);
  CHECK(r.value == "n/a");
  CHECK_FALSE(r.number);
  CHECK(r.figures.empty());
  CHECK(r.detail.find("data: overlay (source overlay, device 0:45)") == 0);
  r = check_disk_io("data", std::nullopt, none, none, levels);
  CHECK(r.status == Status::unknown);
  CHECK(r.detail == "cannot stat data to find its disk");
  const std::optional<DeviceLookup> sda = DeviceLookup{BlockDevice{8, 0, "sda", ""}};
  r = check_disk_io("data", sda, DiskIoReading{8, 0, std::nullopt, {}}, diskstats_at(200, 1, 1, 1), levels);
  CHECK(r.status == Status::unknown);
  CHECK(r.detail == "sda (8:0, holding data): no row for 8:0 in /proc/diskstats");
  r = check_disk_io("data", sda, diskstats_at(0, 5, 5, 500), diskstats_at(200, 1, 1, 1), levels);
  CHECK(r.status == Status::unknown);
  CHECK(r.detail.find("went back") != std::string::npos);
  CHECK_FALSE(r.number);
}
