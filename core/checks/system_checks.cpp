#include "core/checks/system_checks.hpp"

#include <fmt/format.h>

#include <utility>
#include <variant>

#include "core/diagnose/system.hpp"

namespace bscbot::core::checks {

namespace {

constexpr const char* k_group = "system";

CheckResult make(std::string name) { return CheckResult{std::move(name), k_group, Status::unknown, "-", "", "", std::nullopt}; }

}  // namespace

CheckResult check_disk(const std::string& name, const std::filesystem::path& folder, const DiskProbe& probe, Levels percent,
                       std::uintmax_t margin) {
  CheckResult r = make(name);
  r.threshold = rising_text(percent, "%");
  if (margin > 0) r.threshold += fmt::format(", crit < {} free", bytes_text(static_cast<double>(margin)));
  const auto usage = probe ? probe(folder) : std::nullopt;
  if (!usage) {
    r.detail = "cannot stat the filesystem of " + folder.string();
    return r;
  }
  r.number = usage->used_percent();
  r.value = number_text(*r.number, 1) + " %";
  r.status = rising(*r.number, percent);
  r.detail = fmt::format("{}: {} free of {}", folder.string(), bytes_text(static_cast<double>(usage->available_bytes)),
                         bytes_text(static_cast<double>(usage->total_bytes)));
  if (const auto short_of = short_of_space(folder, usage->available_bytes, margin)) {
    r.status = Status::crit;
    r.value = "disk_full";
    r.detail = *short_of;
  }
  return r;
}

CheckResult check_backup_disk(const std::filesystem::path& backup_dir, const DiskProbe& probe, std::optional<std::uintmax_t> needed_or) {
  CheckResult r = make("disk_backups");
  if (!needed_or) {
    r.threshold = "crit < the next backup's size free";
    r.detail = "the database's size is not known, so neither is the next backup's (see database_size)";
    return r;
  }
  const std::uintmax_t needed = *needed_or;
  r.threshold = fmt::format("crit < {} free (the next backup)", bytes_text(static_cast<double>(needed)));
  const auto usage = probe ? probe(backup_dir) : std::nullopt;
  if (!usage) {
    r.detail = "cannot stat the filesystem of " + backup_dir.string();
    return r;
  }
  r.number = usage->used_percent();
  r.value = number_text(*r.number, 1) + " %";
  r.status = Status::ok;
  r.detail = fmt::format("{}: {} free, the next backup needs about {}", backup_dir.string(),
                         bytes_text(static_cast<double>(usage->available_bytes)), bytes_text(static_cast<double>(needed)));
  if (usage->available_bytes < needed) {
    r.status = Status::crit;
    r.value = "disk_full";
    r.detail = fmt::format("only {} free in {}, the next backup needs about {}: it will fail; free space there or point BACKUP_DIR at a "
                           "larger disk",
                           bytes_text(static_cast<double>(usage->available_bytes)), backup_dir.string(),
                           bytes_text(static_cast<double>(needed)));
  }
  return r;
}

CheckResult check_log_errors(const LogScan& scan, const std::filesystem::path& log_file, Levels lines) {
  CheckResult r = make("log_errors");
  r.threshold = rising_text(lines, "") + " per day";
  if (scan.files.empty()) {
    std::error_code ec;
    if (!std::filesystem::exists(log_file, ec)) {
      r.detail = "no log at " + log_file.string() + " (has bscbotd run here?)";
      return r;
    }
  }
  r.number = static_cast<double>(scan.error_lines);
  r.value = std::to_string(scan.error_lines);
  r.status = rising(*r.number, lines);
  r.detail = fmt::format("[error] and [critical] lines in the last 24 h of {} ({} file(s), {} lines)", log_file.string(),
                         scan.files.size(), scan.lines);
  if (!scan.last_errors.empty()) r.detail += "; newest: " + scan.last_errors.back();
  return r;
}

CheckResult check_daemon_memory(const ProcReader& proc, std::optional<pid_t> pid, Levels megabytes) {
  CheckResult r = make("memory_daemon");
  r.threshold = rising_text(megabytes, "MB");
  if (!pid) {
    r.detail = "bscbotd is not running (no live pid in the pid file)";
    return r;
  }
  const auto status = proc.read(std::to_string(*pid) + "/status");
  const auto rss = status ? parse_rss_bytes(*status) : std::nullopt;
  if (!rss) {
    r.detail = fmt::format("cannot read /proc/{}/status", *pid);
    return r;
  }
  r.number = *rss / (1024.0 * 1024.0);
  r.value = number_text(*r.number, 1) + " MB";
  r.status = rising(*r.number, megabytes);
  r.detail = fmt::format("resident memory (VmRSS) of pid {}", *pid);
  return r;
}

CheckResult check_daemon_cpu(std::optional<double> percent, const std::string& how, Levels levels) {
  CheckResult r = make("cpu_daemon");
  r.threshold = rising_text(levels, "%");
  r.detail = how;
  if (!percent) return r;
  r.number = *percent;
  r.value = number_text(*percent, 1) + " %";
  r.status = rising(*percent, levels);
  return r;
}

CheckResult check_host_memory(const ProcReader& proc, Levels percent) {
  CheckResult r = make("memory_host");
  r.threshold = rising_text(percent, "%");
  const auto text = proc.read("meminfo");
  const auto info = text ? parse_meminfo(*text) : std::nullopt;
  if (!info) {
    r.detail = "cannot read /proc/meminfo";
    return r;
  }
  r.number = info->used_percent();
  r.value = number_text(*r.number, 1) + " %";
  r.status = rising(*r.number, percent);
  r.detail = fmt::format("{} available of {}", bytes_text(info->available_bytes), bytes_text(info->total_bytes));
  return r;
}

CheckResult check_tcp_connections(const ProcReader& proc, int port, std::int64_t max) {
  CheckResult r = make("tcp_connections");
  // At the limit is CRIT: the next client gets a 503.
  const double warn_at = 0.8 * static_cast<double>(max);
  r.threshold = fmt::format("warn >= {}, crit >= {} (80 % and all of HTTP_MAX_CONNECTIONS)", number_text(warn_at, 0), max);
  constexpr int k_established = 0x01, k_time_wait = 0x06;
  int established = 0, time_wait = 0;
  bool read_any = false;
  for (const auto& [table, v6] : {std::pair{"net/tcp", false}, std::pair{"net/tcp6", true}}) {
    const auto text = proc.read(table);
    if (!text) continue;
    read_any = true;
    for (const auto& socket : diagnose::parse_proc_net_tcp(*text, v6)) {
      if (socket.local_port != port) continue;
      if (socket.state == k_established) ++established;
      if (socket.state == k_time_wait) ++time_wait;
    }
  }
  if (!read_any) {
    r.detail = "cannot read /proc/net/tcp";
    return r;
  }
  r.number = established;
  r.value = std::to_string(established);
  r.status = established >= max ? Status::crit : established >= warn_at ? Status::warn : Status::ok;
  r.detail = fmt::format("TCP connections established to port {} ({} more in TIME_WAIT); bscbotd answers 503 beyond HTTP_MAX_CONNECTIONS={}",
                         port, time_wait, max);
  return r;
}

namespace {

// disk_io's result up to its figure: the device it is about in `where`, or the reason there is
// none (a returned result).
std::optional<CheckResult> disk_io_without_disk(const std::string& holding, const std::optional<DeviceLookup>& device, Levels percent,
                                                std::string& where) {
  CheckResult r = make("disk_io");
  r.threshold = rising_text(percent, "% util");
  if (!device) {
    r.detail = "cannot stat " + holding + " to find its disk";
    return r;
  }
  if (const auto* none = std::get_if<NoBlockDevice>(&*device)) {
    // A deployment fact, not a failure: an UNKNOWN here would keep every container's health at exit 3.
    r.status = Status::ok;
    r.value = "n/a";
    r.detail = fmt::format("{}: {}; no disk I/O figure here (run iostat -x where the disk is)", holding, none->reason);
    return r;
  }
  const auto& disk = std::get<BlockDevice>(*device);
  where = fmt::format("{} ({}:{}, holding {}{}{})", disk.name, disk.major, disk.minor, holding, disk.how.empty() ? "" : "; ", disk.how);
  return std::nullopt;
}

CheckResult disk_io_figure(const std::string& where, const DiskIoUsage& usage, Levels percent, const std::string& source) {
  CheckResult r = make("disk_io");
  r.threshold = rising_text(percent, "% util");
  r.number = usage.util_percent;
  r.value = number_text(usage.util_percent, 1) + " %";
  r.status = rising(usage.util_percent, percent);
  r.figures = {{"util_percent", usage.util_percent},
               {"reads_per_s", usage.reads_per_s},
               {"writes_per_s", usage.writes_per_s},
               {"await_ms", usage.await_ms},
               {"window_ms", usage.window_ms}};
  r.detail = fmt::format("{}: {} r/s, {} w/s, await {} {}", where, number_text(usage.reads_per_s, 1), number_text(usage.writes_per_s, 1),
                         usage.await_ms ? number_text(*usage.await_ms, 2) + " ms" : std::string("- (no request completed)"), source);
  return r;
}

}  // namespace

CheckResult check_disk_io(const std::string& holding, const std::optional<DeviceLookup>& device, const DiskIoReading& before,
                          const DiskIoReading& after, Levels percent) {
  std::string where;
  if (auto r = disk_io_without_disk(holding, device, percent, where)) return std::move(*r);
  CheckResult r = make("disk_io");
  r.threshold = rising_text(percent, "% util");
  if (!before.counters || !after.counters) {
    const auto& disk = std::get<BlockDevice>(*device);
    r.detail = fmt::format("{}: no row for {}:{} in /proc/diskstats", where, disk.major, disk.minor);
    return r;
  }
  const auto usage = disk_io_usage(before, after);
  if (!usage) {
    r.detail = fmt::format("{}: the /proc/diskstats counters went back between the readings (wrapped, or the device was re-attached)", where);
    return r;
  }
  return disk_io_figure(where, *usage, percent, fmt::format("over {} ms of /proc/diskstats", number_text(usage->window_ms, 0)));
}

CheckResult check_disk_io(const std::string& holding, const std::optional<DeviceLookup>& device, const DiskIoUsage& measured_by_daemon,
                          Levels percent) {
  std::string where;
  if (auto r = disk_io_without_disk(holding, device, percent, where)) return std::move(*r);
  return disk_io_figure(where, measured_by_daemon, percent,
                        fmt::format("over the last {} s, measured by bscbotd from /proc/diskstats", number_text(measured_by_daemon.window_ms / 1000.0, 0)));
}

CheckResult check_host_cpu(std::optional<double> percent, const std::string& how, Levels levels) {
  CheckResult r = make("cpu_host");
  r.threshold = rising_text(levels, "%");
  r.detail = how;
  if (!percent) return r;
  r.number = *percent;
  r.value = number_text(*percent, 1) + " %";
  r.status = rising(*percent, levels);
  return r;
}

}  // namespace bscbot::core::checks
