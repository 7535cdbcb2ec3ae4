#include "core/checks/proc.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>

namespace bscbot::core::checks {

std::optional<std::string> ProcFs::read(const std::string& relative) const {
  std::ifstream in(m_root / relative, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return s.str();
}

std::optional<HostCpu> parse_host_cpu(std::string_view proc_stat) {
  // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"; guest time is
  // already counted in user, so only the first eight fields make up the total.
  if (proc_stat.substr(0, 4) != "cpu ") return std::nullopt;
  const auto eol = proc_stat.find('\n');
  std::istringstream line(std::string(proc_stat.substr(4, eol == std::string_view::npos ? std::string_view::npos : eol - 4)));
  double fields[8] = {};
  int n = 0;
  while (n < 8 && line >> fields[n]) ++n;
  if (n < 4) return std::nullopt;
  HostCpu cpu;
  for (int i = 0; i < n; ++i) cpu.total += fields[i];
  const double idle = fields[3] + (n > 4 ? fields[4] : 0);
  cpu.busy = cpu.total - idle;
  return cpu;
}

std::optional<double> parse_process_ticks(std::string_view pid_stat) {
  // The command name may hold spaces and parentheses: fields are counted after the last ')'.
  const auto close = pid_stat.rfind(')');
  if (close == std::string_view::npos || close + 2 > pid_stat.size()) return std::nullopt;
  std::istringstream fields(std::string(pid_stat.substr(close + 2)));
  std::string field;
  double utime = 0;
  for (int i = 3; fields >> field; ++i) {  // the state is field 3 (man 5 proc)
    try {
      if (i == 14) utime = std::stod(field);
      if (i == 15) return utime + std::stod(field);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<double> parse_rss_bytes(std::string_view pid_status) {
  const auto at = pid_status.find("VmRSS:");
  if (at == std::string_view::npos) return std::nullopt;
  std::istringstream line(std::string(pid_status.substr(at + 6, 64)));
  double kb = 0;
  std::string unit;
  if (!(line >> kb >> unit) || unit != "kB") return std::nullopt;
  return kb * 1024;
}

std::optional<MemInfo> parse_meminfo(std::string_view meminfo) {
  auto field = [&](std::string_view name) -> std::optional<double> {
    const auto at = meminfo.find(name);
    if (at == std::string_view::npos) return std::nullopt;
    std::istringstream line(std::string(meminfo.substr(at + name.size(), 64)));
    double kb = 0;
    if (!(line >> kb)) return std::nullopt;
    return kb * 1024;
  };
  const auto total = field("MemTotal:");
  auto available = field("MemAvailable:");
  if (!available) {
    // Kernels before 3.14: free + buffers + cached is the closest estimate.
    const auto free = field("MemFree:"), buffers = field("Buffers:"), cached = field("\nCached:");
    if (free) available = *free + buffers.value_or(0) + cached.value_or(0);
  }
  if (!total || !available || *total <= 0) return std::nullopt;
  return MemInfo{*total, *available};
}

CpuReading read_cpu(const ProcReader& proc, std::optional<pid_t> pid) {
  CpuReading r;
  r.at = std::chrono::steady_clock::now();
  if (const auto stat = proc.read("stat")) r.host = parse_host_cpu(*stat);
  if (pid) {
    if (const auto stat = proc.read(std::to_string(*pid) + "/stat")) r.process_ticks = parse_process_ticks(*stat);
  }
  return r;
}

CpuUsage cpu_usage(const CpuReading& before, const CpuReading& after, double ticks_per_second) {
  CpuUsage u;
  u.seconds = std::chrono::duration<double>(after.at - before.at).count();
  if (before.host && after.host && after.host->total > before.host->total) {
    const double busy = after.host->busy - before.host->busy;
    u.host_percent = std::max(0.0, busy * 100.0 / (after.host->total - before.host->total));
  }
  if (before.process_ticks && after.process_ticks && u.seconds > 0 && ticks_per_second > 0 &&
      *after.process_ticks >= *before.process_ticks) {
    u.process_percent = (*after.process_ticks - *before.process_ticks) / ticks_per_second / u.seconds * 100.0;
  }
  return u;
}

double clock_ticks_per_second() {
  const long ticks = ::sysconf(_SC_CLK_TCK);
  return ticks > 0 ? static_cast<double>(ticks) : 100.0;
}

void CpuTracker::add(CpuReading reading) {
  m_readings.push_back(std::move(reading));
  // Keep one reading at or beyond the span's start, so the window always covers the span.
  while (m_readings.size() > 2 && m_readings.back().at - m_readings[1].at >= m_span) m_readings.pop_front();
}

CpuUsage CpuTracker::usage(double ticks_per_second) const {
  if (m_readings.size() < 2) return {};
  return cpu_usage(m_readings.front(), m_readings.back(), ticks_per_second);
}

}  // namespace bscbot::core::checks
