// bscbot health: the manual's health-check script and daily checklist in one command. Replaces
// `pm2 status`, `curl .../api/health | jq`, `tail -1000 logs/api-server.log | grep -i error |
// wc -l`, `df -h`, `top -bn1`, `free -m` and the sqlite3 business queries, each judged against
// the key-metrics table. Exit codes are the monitoring-plugin ones: 0 OK, 1 WARN, 2 CRIT,
// 3 UNKNOWN.
#include <unistd.h>

#include <iostream>
#include <thread>

#include "cmd/commands.hpp"
#include "core/checks/health.hpp"
#include "core/error.hpp"

namespace bscbot::cmd {

namespace {

using core::checks::Status;

struct HealthFlags {
  bool full = false;
  int watch_seconds = 0;
  int count = 0;
  std::string timeout = "2s";
  int cpu_window_ms = 200;
};

Tone tone_of(Status s) {
  switch (s) {
    case Status::ok: return Tone::ok;
    case Status::warn: return Tone::warn;
    case Status::crit: return Tone::bad;
    case Status::unknown: return Tone::dim;
  }
  return Tone::plain;
}

// The table, padded on plain text and painted afterwards so colour does not break alignment.
void print_table(const Output& out, const core::checks::HealthReport& report) {
  const std::vector<std::string> header = {"CHECK", "STATUS", "VALUE", "THRESHOLD", "DETAIL"};
  std::vector<std::size_t> width(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& c : report.checks) {
    width[0] = std::max(width[0], c.name.size());
    width[1] = std::max(width[1], core::checks::to_string(c.status).size());
    width[2] = std::max(width[2], c.value.size());
    width[3] = std::max(width[3], c.threshold.size());
  }
  auto pad = [](const std::string& s, std::size_t w) { return s + std::string(w > s.size() ? w - s.size() : 0, ' '); };
  out.line(out.paint(fmt::format("{}  {}  {}  {}  {}", pad(header[0], width[0]), pad(header[1], width[1]), pad(header[2], width[2]),
                                 pad(header[3], width[3]), header[4]),
                     Tone::bold));
  std::string group;
  for (const auto& c : report.checks) {
    if (c.group != group && !group.empty()) out.line("");
    group = c.group;
    const std::string status(core::checks::to_string(c.status));
    out.line(fmt::format("{}  {}  {}  {}  {}", pad(c.name, width[0]), out.paint(pad(status, width[1]), tone_of(c.status)),
                         pad(c.value, width[2]), out.paint(pad(c.threshold, width[3]), Tone::dim), c.detail));
  }
}

// `disk_io` carries the last /proc/diskstats reading from one --watch run to the next, so each
// run's disk_io covers the whole interval, as iostat's reports after the first do.
int run_once(Context& ctx, const HealthFlags& flags, std::optional<core::checks::DiskIoReading>& disk_io) {
  const auto& cfg = ctx.config();
  core::checks::HealthOptions options;
  options.disk_io_since = disk_io;
  options.integrity = flags.full ? core::checks::Integrity::full : core::checks::Integrity::quick;
  options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(core::parse_duration(flags.timeout));
  options.cpu_window = std::chrono::milliseconds(flags.cpu_window_ms);
  auto edges = core::checks::real_edges(cfg, options.timeout);
  edges.clock = &ctx.clock();
  const auto report = core::checks::run_health(cfg, options, edges);
  disk_io = report.disk_io_last;
  auto& out = ctx.out();
  if (out.json()) {
    out.document(core::checks::to_json(report));
  } else if (out.quiet()) {
    out.line(core::checks::summary_line(report));
  } else {
    out.line(out.paint(fmt::format("bscbot health  {}  ({}, {})", report.generated_at, ctx.daemon().base_url(), cfg.db_path().string()),
                       Tone::bold));
    out.line("");
    print_table(out, report);
    out.line("");
    out.line(out.paint(core::checks::summary_line(report), tone_of(report.status)));
  }
  return core::checks::exit_code(report.status);
}

// A monitoring plugin must answer with a status line and 0-3 even when it cannot run (a
// broken config, an unreadable folder): that is UNKNOWN, so this command reports core::Error
// itself instead of leaving it to main()'s sysexits codes.
int run_health(Context& ctx, const HealthFlags& flags) {
  try {
    std::optional<core::checks::DiskIoReading> disk_io;
    if (flags.watch_seconds <= 0) return run_once(ctx, flags, disk_io);
    const bool clear = ::isatty(STDOUT_FILENO) && !ctx.options.json;
    int code = 3;
    for (int i = 0; flags.count == 0 || i < flags.count; ++i) {
      if (i > 0) std::this_thread::sleep_for(std::chrono::seconds(flags.watch_seconds));
      if (clear) std::cout << "\x1b[H\x1b[2J";
      code = run_once(ctx, flags, disk_io);
      if (!ctx.options.json && !ctx.options.quiet) {
        ctx.out().line(fmt::format("(every {} s; Ctrl-C stops)", flags.watch_seconds));
      }
      std::cout << std::flush;
    }
    return code;
  } catch (const core::Error& e) {
    if (ctx.options.json) {
      std::cout << nlohmann::json({{"status", "UNKNOWN"}, {"exit_code", 3}, {"error", e.what()}, {"checks", nlohmann::json::array()}}).dump(2)
                << "\n";
    } else {
      std::cout << "HEALTH UNKNOWN - " << e.what() << "\n";
    }
    return 3;
  }
}

}  // namespace

void setup_health(CLI::App& command, Context& ctx) {
  auto flags = std::make_shared<HealthFlags>();
  command.add_flag("--full", flags->full, "Run the full PRAGMA integrity_check instead of quick_check");
  command.add_option("--watch", flags->watch_seconds, "Repeat every N seconds until interrupted (like `watch -n N`)")
      ->check(CLI::Range(1, 86400));
  command.add_option("--count", flags->count, "With --watch, stop after this many runs (0: never)")->check(CLI::Range(0, 1000000));
  command.add_option("--timeout", flags->timeout, "Time allowed for each request to bscbotd (e.g. 2s)")->capture_default_str();
  command.add_option("--cpu-window-ms", flags->cpu_window_ms,
                     "Milliseconds of CPU measurement when bscbotd cannot report its own (it is down)")
      ->capture_default_str()
      ->check(CLI::Range(10, 10000));
  command.footer(
      "Checks: daemon, response_time, request_p95, error_rate, websocket_connections, cache_hit_rate, trade_queue, "
      "db_query_p95, db_connection_errors, chain, database_integrity, database_writable, database_size, disk_data, disk_logs, disk_backups, "
      "log_errors, "
      "memory_daemon, cpu_daemon, memory_host, cpu_host, tcp_connections, disk_io, trades_24h, success_rate, failed_trades, gas_fee_avg. "
      "Thresholds come from the settings (e.g. RESPONSE_TIME_WARN_MS; see `bscbot config show`). "
      "Exit status: 0 OK, 1 WARN, 2 CRIT, 3 UNKNOWN.");
  command.callback([&ctx, flags] { ctx.run = [&ctx, flags] { return run_health(ctx, *flags); }; });
}

}  // namespace bscbot::cmd
