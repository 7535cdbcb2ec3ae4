#include "core/checks/health.hpp"

#include <fmt/format.h>

#include <cmath>
#include <future>
#include <thread>
#include <variant>

#include "core/backup/next_backup.hpp"
#include "core/checks/daemon_checks.hpp"
#include "core/checks/system_checks.hpp"
#include "core/db/store.hpp"
#include "core/process/pid_file.hpp"

namespace bscbot::core::checks {

namespace {

Levels levels(const config::Config& cfg, std::string_view warn, std::string_view crit) {
  return Levels{cfg.number(warn), cfg.number(crit)};
}

// A live bscbotd: the pid file's, else the pid /api/health reports (a daemon started from
// another folder still has one /proc entry).
std::optional<pid_t> live_daemon_pid(const config::Config& cfg) {
  const auto check = process::check_pid_file(cfg.pid_file());
  if (check.state == process::PidState::ours) return check.pid;
  return std::nullopt;
}

// The disk_io_* gauges bscbotd publishes for `device`; nullopt when it does not (older, or a
// disk of its own), or before its second reading.
std::optional<DiskIoUsage> disk_io_in_scrape(const std::vector<metrics::Sample>& scrape, const std::string& device) {
  const auto gauge = [&](std::string_view name) -> std::optional<double> {
    for (const auto& sample : scrape) {
      if (sample.name != name) continue;
      const auto it = sample.labels.find("device");
      if (it != sample.labels.end() && it->second == device && std::isfinite(sample.value)) return sample.value;
    }
    return std::nullopt;
  };
  const auto util = gauge(k_disk_io_util_gauge);
  const auto reads = gauge(k_disk_io_reads_gauge);
  const auto writes = gauge(k_disk_io_writes_gauge);
  const auto window = gauge(k_disk_io_window_gauge);
  if (!util || !reads || !writes || !window) return std::nullopt;
  DiskIoUsage u;
  u.util_percent = *util * 100.0;
  u.reads_per_s = *reads;
  u.writes_per_s = *writes;
  if (const auto await = gauge(k_disk_io_await_gauge)) u.await_ms = *await * 1000.0;
  u.window_ms = *window * 1000.0;
  return u;
}

}  // namespace

HealthEdges real_edges(const config::Config& cfg, std::chrono::milliseconds timeout) {
  static const ProcFs proc;
  static const ProcFs sys("/sys");
  HealthEdges edges;
  edges.clock = &system_clock();
  edges.proc = &proc;
  edges.sys = &sys;
  edges.disk = statvfs_usage;
  edges.device = device_of;
  edges.daemon = [&cfg, timeout] { return take_daemon_snapshot(cfg, timeout); };
  return edges;
}

HealthReport run_health(const config::Config& cfg, const HealthOptions& options, const HealthEdges& edges) {
  const auto started = std::chrono::steady_clock::now();
  const Clock& clock = *edges.clock;
  const ProcReader& proc = *edges.proc;
  HealthReport report;
  report.generated_at = to_iso8601(clock.now());

  const std::optional<pid_t> pid_hint = live_daemon_pid(cfg);
  const CpuReading cpu_before = read_cpu(proc, pid_hint);

  // disk_io: the first /proc/diskstats reading now, the second when the other checks are done.
  const std::filesystem::path data_folder = cfg.db_path().parent_path().empty() ? "." : cfg.db_path().parent_path();
  const std::string holding = db::configured_backend(cfg) == db::Backend::sqlite
                                  ? data_folder.string()
                                  : data_folder.string() + " (the data folder; PostgreSQL's own files are on its server's disk)";
  std::optional<DeviceLookup> disk_device;
  if (const auto dev = edges.device ? edges.device(data_folder) : std::nullopt; dev && edges.sys) {
    disk_device = find_block_device(*dev, *edges.sys, proc);
  }
  const BlockDevice* block = disk_device ? std::get_if<BlockDevice>(&*disk_device) : nullptr;
  DiskIoReading disk_before;
  if (block) {
    const auto& since = options.disk_io_since;
    const bool carried = since && since->counters && since->major == block->major && since->minor == block->minor && since->at < started;
    disk_before = carried ? *since : read_disk_io(proc, *block);
  }

  // The slow parts run side by side: HTTP to the daemon, the database, the log.
  std::shared_future<DaemonSnapshot> daemon_future = std::async(std::launch::async, edges.daemon).share();
  // The database checks wait for the daemon's answer only for its integrity verdict: a fresh
  // one saves the quick_check whose cost grows with the database.
  auto db_future = std::async(std::launch::async, [&] {
    std::optional<IntegrityVerdict> published;
    if (options.integrity == Integrity::quick) {
      published = verdict_in_health(daemon_future.get().health.body);
      if (published && !is_fresh(*published, clock.now(), std::chrono::seconds(cfg.integer("DB_INTEGRITY_INTERVAL_S")))) published.reset();
    }
    return database_checks(cfg, options.integrity, clock, edges.disk, published);
  });
  const std::string day_ago = to_sql_datetime(clock.now() - std::chrono::hours(24));
  auto log_future = std::async(std::launch::async, [&] { return scan_log(cfg.log_file(), day_ago, 1); });

  const DaemonSnapshot& snap = daemon_future.get();
  auto& out = report.checks;
  out.push_back(check_daemon(snap));
  out.push_back(check_response_time(snap, levels(cfg, "RESPONSE_TIME_WARN_MS", "RESPONSE_TIME_CRIT_MS")));
  out.push_back(check_request_p95(snap, levels(cfg, "RESPONSE_TIME_WARN_MS", "RESPONSE_TIME_CRIT_MS")));
  out.push_back(check_error_rate(snap, levels(cfg, "ERROR_RATE_WARN_PCT", "ERROR_RATE_CRIT_PCT")));
  out.push_back(check_websockets(snap, levels(cfg, "WS_CONNECTIONS_WARN", "WS_CONNECTIONS_CRIT")));
  out.push_back(check_cache_hit_rate(snap, levels(cfg, "CACHE_HIT_RATE_WARN_PCT", "CACHE_HIT_RATE_CRIT_PCT")));
  out.push_back(check_trade_queue(snap, cfg.integer("TRADE_QUEUE_MAX"), cfg.number("TRADE_QUEUE_WARN_PCT")));
  out.push_back(check_query_p95(snap, levels(cfg, "DB_QUERY_P95_WARN_MS", "DB_QUERY_P95_CRIT_MS")));
  out.push_back(check_db_connection_errors(snap, cfg.number("DB_CONNECTION_ERRORS_CRIT")));
  out.push_back(check_chain(snap));

  for (auto& r : db_future.get()) out.push_back(std::move(r));

  const Levels disk_levels = levels(cfg, "DISK_USAGE_WARN_PCT", "DISK_USAGE_CRIT_PCT");
  const std::uintmax_t margin = free_space_margin(cfg);
  out.push_back(check_disk("disk_data", cfg.db_path().parent_path().empty() ? "." : cfg.db_path().parent_path(), edges.disk,
                           disk_levels, margin));
  out.push_back(check_disk("disk_logs", cfg.log_dir(), edges.disk, disk_levels, margin));
  std::optional<std::uintmax_t> database_bytes;
  for (const CheckResult& c : out) {
    if (c.name == "database_size" && c.number) database_bytes = static_cast<std::uintmax_t>(*c.number);
  }
  out.push_back(check_backup_disk(cfg.path("BACKUP_DIR"), edges.disk, backup::next_backup_needs(cfg, database_bytes)));
  out.push_back(check_log_errors(log_future.get(), cfg.log_file(), levels(cfg, "LOG_ERRORS_WARN", "LOG_ERRORS_CRIT")));

  std::optional<pid_t> pid = snap.pid ? snap.pid : pid_hint;
  if (!pid && snap.health.body.is_object() && snap.health.body.contains("pid") && snap.health.body["pid"].is_number_integer()) {
    const auto reported = snap.health.body["pid"].get<pid_t>();
    if (process::is_running_program(reported, "bscbotd")) pid = reported;
  }
  const Levels memory_levels = levels(cfg, "MEMORY_WARN_MB", "MEMORY_CRIT_MB");
  out.push_back(check_daemon_memory(proc, pid, memory_levels));

  // CPU: bscbotd measures itself and the host every second; ask it first, measure only what
  // it cannot tell.
  std::optional<double> daemon_cpu, host_cpu;
  std::string daemon_how, host_how;
  if (snap.scrape) {
    // NaN until bscbotd has two readings (its first second).
    if (const auto v = metrics::value(*snap.scrape, k_daemon_cpu_gauge); v && !std::isnan(*v)) {
      daemon_cpu = *v * 100.0;
      daemon_how = "percent of one core over the last 10 s, measured by bscbotd from /proc/self/stat";
    }
    if (const auto v = metrics::value(*snap.scrape, k_host_cpu_gauge); v && !std::isnan(*v)) {
      host_cpu = *v * 100.0;
      host_how = "all cores over the last 10 s, measured by bscbotd from /proc/stat";
    }
  }
  if (!host_cpu || (!daemon_cpu && pid_hint)) {
    const auto wait_until = cpu_before.at + options.cpu_window;
    std::this_thread::sleep_until(wait_until);
    const CpuUsage usage = cpu_usage(cpu_before, read_cpu(proc, pid_hint), clock_ticks_per_second());
    const std::string window = fmt::format("{} ms", number_text(usage.seconds * 1000, 0));
    if (!host_cpu && usage.host_percent) {
      host_cpu = usage.host_percent;
      host_how = "all cores over " + window + " of /proc/stat";
    }
    if (!daemon_cpu && usage.process_percent) {
      daemon_cpu = usage.process_percent;
      daemon_how = fmt::format("percent of one core over {} of /proc/{}/stat", window, *pid_hint);
    }
  }
  if (!daemon_cpu) daemon_how = pid ? "cannot read the CPU time of bscbotd" : "bscbotd is not running";
  if (!host_cpu) host_how = "cannot read /proc/stat";
  const Levels cpu_levels = levels(cfg, "CPU_WARN_PCT", "CPU_CRIT_PCT");
  out.push_back(check_daemon_cpu(daemon_cpu, daemon_how, cpu_levels));
  out.push_back(check_host_memory(proc, levels(cfg, "HOST_MEMORY_WARN_PCT", "HOST_MEMORY_CRIT_PCT")));
  out.push_back(check_host_cpu(host_cpu, host_how, cpu_levels));
  out.push_back(check_tcp_connections(proc, static_cast<int>(cfg.integer("PORT")), cfg.integer("HTTP_MAX_CONNECTIONS")));
  // disk_io: bscbotd's figure for the same disk when it has one (over its last 10 s), else the
  // second reading, at least disk_io_window after the first.
  const Levels disk_io_levels = levels(cfg, "DISK_IO_WARN_PCT", "DISK_IO_CRIT_PCT");
  const std::optional<DiskIoUsage> daemon_disk_io = block && snap.scrape ? disk_io_in_scrape(*snap.scrape, block->name) : std::nullopt;
  if (daemon_disk_io) {
    out.push_back(check_disk_io(holding, disk_device, *daemon_disk_io, disk_io_levels));
  } else {
    DiskIoReading disk_after;
    if (block) {
      std::this_thread::sleep_until(disk_before.at + options.disk_io_window);
      disk_after = read_disk_io(proc, *block);
      report.disk_io_last = disk_after;
    }
    out.push_back(check_disk_io(holding, disk_device, disk_before, disk_after, disk_io_levels));
  }

  // Keep the groups together: daemon, database, system, trading.
  std::stable_sort(out.begin(), out.end(), [](const CheckResult& a, const CheckResult& b) {
    auto rank = [](const std::string& g) { return g == "daemon" ? 0 : g == "database" ? 1 : g == "system" ? 2 : 3; };
    return rank(a.group) < rank(b.group);
  });
  report.status = overall(out);
  report.elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return report;
}

nlohmann::json to_json(const HealthReport& report) {
  nlohmann::json checks = nlohmann::json::array();
  nlohmann::json counts = {{"OK", 0}, {"WARN", 0}, {"CRIT", 0}, {"UNKNOWN", 0}};
  for (const auto& c : report.checks) {
    counts[std::string(to_string(c.status))] = counts[std::string(to_string(c.status))].get<int>() + 1;
    nlohmann::json check = {{"name", c.name},
                            {"group", c.group},
                            {"status", to_string(c.status)},
                            {"value", c.value},
                            {"number", c.number ? nlohmann::json(*c.number) : nlohmann::json(nullptr)},
                            {"threshold", c.threshold},
                            {"detail", c.detail}};
    if (!c.figures.empty()) {
      nlohmann::json& figures = check["figures"] = nlohmann::json::object();
      for (const auto& [name, value] : c.figures) figures[name] = value ? nlohmann::json(*value) : nlohmann::json(nullptr);
    }
    checks.push_back(std::move(check));
  }
  return {{"status", to_string(report.status)}, {"exit_code", exit_code(report.status)}, {"generated_at", report.generated_at},
          {"elapsed_ms", report.elapsed_ms}, {"counts", counts}, {"checks", checks}};
}

std::string summary_line(const HealthReport& report) {
  int counts[4] = {};
  std::string problems;
  for (const auto& c : report.checks) {
    ++counts[static_cast<int>(c.status)];
    // Name what is wrong; UNKNOWNs are only counted unless nothing worse is there.
    if (c.status == Status::warn || c.status == Status::crit ||
        (c.status == Status::unknown && report.status == Status::unknown)) {
      problems += fmt::format("{}{} {}", problems.empty() ? "" : ", ", c.name, c.value == "-" ? to_string(c.status) : c.value);
    }
  }
  return fmt::format("HEALTH {} - {} checks in {} ms: {} ok, {} warn, {} crit, {} unknown{}{}", to_string(report.status),
                     report.checks.size(), number_text(report.elapsed_ms, 0), counts[0], counts[1], counts[2], counts[3],
                     problems.empty() ? "" : "; ", problems);
}

}  // namespace bscbot::core::checks
