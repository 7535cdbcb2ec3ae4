#include <doctest/doctest.h>

#include <map>
#include <vector>

#include "core/checks/proc.hpp"
#include "tests/support/scratch.hpp"

using namespace bscbot::core::checks;
using bscbot::test::Scratch;

namespace {

const char* k_stat_before = "cpu  1000 0 500 8000 500 0 0 0 0 0\ncpu0 500 0 250 4000 250 0 0 0 0 0\n";
const char* k_stat_after = "cpu  1300 0 600 8500 600 0 0 0 0 0\ncpu0 650 0 300 4250 300 0 0 0 0 0\n";
// The command name holds a space and a parenthesis; utime is field 14, stime 15.
const char* k_pid_stat_before = "4242 (bscbot d) S 1 4242 4242 0 -1 4194560 1 0 0 0 100 50 0 0 20 0 3 0 12345 0 0\n";
const char* k_pid_stat_after = "4242 (bscbot d) S 1 4242 4242 0 -1 4194560 1 0 0 0 130 60 0 0 20 0 3 0 12345 0 0\n";

// A /proc whose files change between reads, the way two real readings differ.
class SequenceProc final : public ProcReader {
public:
  std::map<std::string, std::vector<std::string>> files;
  mutable std::map<std::string, std::size_t> reads;
  std::optional<std::string> read(const std::string& relative) const override {
    const auto it = files.find(relative);
    if (it == files.end()) return std::nullopt;
    const std::size_t n = reads[relative]++;
    return it->second[std::min(n, it->second.size() - 1)];
  }
};

}  // namespace

TEST_CASE("checks: /proc/stat, /proc/<pid>/stat, status and meminfo parse") {
  const auto cpu = parse_host_cpu(k_stat_before);
  REQUIRE(cpu);
  CHECK(cpu->total == 10000);
  CHECK(cpu->busy == 1500);  // idle and iowait are not busy
  CHECK_FALSE(parse_host_cpu("intr 1 2 3\n"));
  CHECK(parse_process_ticks(k_pid_stat_before) == 150);
  CHECK_FALSE(parse_process_ticks("garbage"));
  CHECK(parse_rss_bytes("Name:\tbscbotd\nVmRSS:\t   20480 kB\nThreads: 4\n") == 20480.0 * 1024);
  CHECK_FALSE(parse_rss_bytes("Name:\tkthreadd\n"));
  const auto mem = parse_meminfo("MemTotal:       8000000 kB\nMemFree:         100000 kB\nMemAvailable:   2000000 kB\n");
  REQUIRE(mem);
  CHECK(mem->used_percent() == doctest::Approx(75));
  // Old kernels without MemAvailable: free + buffers + cached.
  const auto old = parse_meminfo("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 100 kB\nCached: 300 kB\n");
  REQUIRE(old);
  CHECK(old->used_percent() == doctest::Approx(50));
}

TEST_CASE("checks: CPU usage between two readings, host over all cores and a process over one") {
  SequenceProc proc;
  proc.files["stat"] = {k_stat_before, k_stat_after};
  proc.files["4242/stat"] = {k_pid_stat_before, k_pid_stat_after};
  CpuReading before = read_cpu(proc, 4242);
  CpuReading after = read_cpu(proc, 4242);
  after.at = before.at + std::chrono::milliseconds(500);
  const CpuUsage u = cpu_usage(before, after, 100);
  // Host: 400 busy of 1000 jiffies.
  REQUIRE(u.host_percent);
  CHECK(*u.host_percent == doctest::Approx(40));
  // Process: 40 ticks of 1/100 s in 0.5 s is 80 % of one core.
  REQUIRE(u.process_percent);
  CHECK(*u.process_percent == doctest::Approx(80));
  // No pid, no process figure.
  const CpuUsage host_only = cpu_usage(read_cpu(proc, std::nullopt), after, 100);
  CHECK_FALSE(host_only.process_percent);
}

TEST_CASE("checks: the CPU tracker keeps about its span of readings") {
  CpuTracker tracker(std::chrono::seconds(10));
  CHECK_FALSE(tracker.usage(100).host_percent);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i <= 20; ++i) {
    CpuReading r;
    r.at = t0 + std::chrono::seconds(i);
    r.host = HostCpu{static_cast<double>(i * 10), static_cast<double>(i * 100)};
    r.process_ticks = i * 20.0;
    tracker.add(r);
  }
  const CpuUsage u = tracker.usage(100);
  CHECK(u.seconds == doctest::Approx(10));
  CHECK(*u.host_percent == doctest::Approx(10));
  CHECK(*u.process_percent == doctest::Approx(20));
}

TEST_CASE("checks: ProcFs reads a folder laid out like /proc") {
  Scratch s("proc-fixture");
  s.write("stat", k_stat_before);
  s.write("77/status", "VmRSS:\t1024 kB\n");
  const ProcFs proc(s.path());
  CHECK(proc.read("stat") == std::string(k_stat_before));
  CHECK(parse_rss_bytes(*proc.read("77/status")) == 1024.0 * 1024);
  CHECK_FALSE(proc.read("78/status"));
}
