#include "daemon/ops_gauges.hpp"

#include <unistd.h>

#include "core/checks/disk.hpp"
#include "core/db/store.hpp"
#include "core/util/clock.hpp"
#include "daemon/app.hpp"

namespace bscbot::daemon {

namespace {

prometheus::Family<prometheus::Gauge>& family(prometheus::Registry& r, const std::string& name, const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}

// Sets the child with `labels`, or removes it when there is no value.
void set(prometheus::Family<prometheus::Gauge>& f, std::optional<double> value, const std::map<std::string, std::string>& labels = {}) {
  if (value) {
    f.Add(labels).Set(*value);
  } else if (f.Has(labels)) {
    f.Remove(&f.Add(labels));
  }
}

}  // namespace

OpsGauges::OpsGauges(App& app)
    : m_app(app),
      m_ticks_per_second(core::checks::clock_ticks_per_second()),
      m_daemon_cpu(family(app.metrics.registry(), "bscbotd_cpu_usage_ratio", "CPU used by bscbotd over the last 10 s, as a share of one core")),
      m_host_cpu(family(app.metrics.registry(), "host_cpu_usage_ratio", "CPU used on the host over the last 10 s, as a share of all cores")),
      m_disk(family(app.metrics.registry(), "disk_usage_ratio", "Used share of the filesystem holding the data or log folder")),
      m_disk_util(family(app.metrics.registry(), std::string(core::checks::k_disk_io_util_gauge),
                         "Share of the last 10 s the data folder's disk had I/O in flight (iostat's %util / 100)")),
      m_disk_reads(family(app.metrics.registry(), std::string(core::checks::k_disk_io_reads_gauge), "Reads completed per second by the data folder's disk, over the last 10 s")),
      m_disk_writes(family(app.metrics.registry(), std::string(core::checks::k_disk_io_writes_gauge), "Writes completed per second by the data folder's disk, over the last 10 s")),
      m_disk_await(family(app.metrics.registry(), std::string(core::checks::k_disk_io_await_gauge), "Mean time per completed request of the data folder's disk, over the last 10 s")),
      m_disk_window(family(app.metrics.registry(), std::string(core::checks::k_disk_io_window_gauge), "The window the disk_io gauges cover")),
      m_trades_per_hour(family(app.metrics.registry(), "trades_per_hour", "Trades created in the last hour")),
      m_trades_24h(family(app.metrics.registry(), "trades_24h", "Trades created in the last 24 h, by status")),
      m_success_rate(family(app.metrics.registry(), "trade_success_rate", "Completed over all trades of the last 24 h (0..1)")),
      m_gas_fee(family(app.metrics.registry(), "gas_fee_avg_wei", "Average gas fee of the trades of the last 24 h, in wei")) {
  // The disk is found once: the data folder does not move while bscbotd runs.
  const auto folder = m_app.store.local_folder().value_or(m_app.cfg.path("DATA_DIR"));
  if (const auto dev = core::checks::device_of(folder)) {
    const auto found = core::checks::find_block_device(*dev, m_sys, m_proc);
    if (const auto* disk = std::get_if<core::checks::BlockDevice>(&found)) m_disk_device = *disk;
  }
  track_usage();
  refresh();
}

void OpsGauges::track_usage() {
  if (m_disk_device) {
    m_disk_io.add(core::checks::read_disk_io(m_proc, *m_disk_device));
    const auto usage = m_disk_io.usage();
    const std::map<std::string, std::string> device = {{"device", m_disk_device->name}};
    set(m_disk_util, usage ? std::optional<double>(usage->util_percent / 100.0) : std::nullopt, device);
    set(m_disk_reads, usage ? std::optional<double>(usage->reads_per_s) : std::nullopt, device);
    set(m_disk_writes, usage ? std::optional<double>(usage->writes_per_s) : std::nullopt, device);
    set(m_disk_await, usage && usage->await_ms ? std::optional<double>(*usage->await_ms / 1000.0) : std::nullopt, device);
    set(m_disk_window, usage ? std::optional<double>(usage->window_ms / 1000.0) : std::nullopt, device);
  }
  m_cpu.add(core::checks::read_cpu(m_proc, ::getpid()));
  const core::checks::CpuUsage usage = m_cpu.usage(m_ticks_per_second);
  set(m_daemon_cpu, usage.process_percent ? std::optional<double>(*usage.process_percent / 100.0) : std::nullopt);
  set(m_host_cpu, usage.host_percent ? std::optional<double>(*usage.host_percent / 100.0) : std::nullopt);
}

void OpsGauges::refresh() {
  namespace fs = std::filesystem;
  const auto data = core::checks::statvfs_usage(m_app.store.local_folder().value_or(m_app.cfg.path("DATA_DIR")));
  const auto logs = core::checks::statvfs_usage(m_app.cfg.log_dir());
  set(m_disk, data ? std::optional<double>(data->used_percent() / 100.0) : std::nullopt, {{"folder", "data"}});
  set(m_disk, logs ? std::optional<double>(logs->used_percent() / 100.0) : std::nullopt, {{"folder", "logs"}});
  try {
    const auto now = core::system_clock().now();
    core::db::TradeStore& trades = m_app.store.trades();
    const auto day = trades.stats(now - std::chrono::hours(24));
    const auto hour = trades.stats(now - std::chrono::hours(1));
    set(m_trades_per_hour, static_cast<double>(hour.total));
    set(m_trades_24h, static_cast<double>(day.completed), {{"status", "completed"}});
    set(m_trades_24h, static_cast<double>(day.failed), {{"status", "failed"}});
    set(m_trades_24h, static_cast<double>(day.pending), {{"status", "pending"}});
    set(m_success_rate, day.success_rate ? std::optional<double>(*day.success_rate / 100.0) : std::nullopt);
    set(m_gas_fee, day.avg_gas_fee_wei);
    if (m_refresh_failed) m_app.log->info("Trade gauges readable again");
    m_refresh_failed = false;
  } catch (const std::exception& e) {
    // Said once per outage: the worker's database probe already reports the state.
    if (!m_refresh_failed) m_app.log->warn("Trade gauges not refreshed: {}", e.what());
    m_refresh_failed = true;
  }
}

}  // namespace bscbot::daemon
