#pragma once
// Gauges the worker keeps fresh outside the request path, for `bscbot health`, the alert rules
// in deploy/prometheus and the Grafana dashboard:
//   bscbotd_cpu_usage_ratio, host_cpu_usage_ratio   CPU over the last 10 s (one core / all cores)
//   disk_io_*{device}                                the data folder's disk over the last 10 s
//                                                    (core/checks/disk_io.hpp: %util, r/s, w/s, await)
//   disk_usage_ratio{folder="data"|"logs"}           used share of their filesystems
//   trades_per_hour, trades_24h{status}             trades created in the last hour / day
//   trade_success_rate, gas_fee_avg_wei             the manual's 24 h business metrics
// A value that does not exist yet (CPU before the second reading, a success rate without
// trades) is left out of the exposition rather than exported as NaN.
#include <prometheus/family.h>
#include <prometheus/gauge.h>

#include <optional>

#include "core/checks/disk_io.hpp"
#include "core/checks/proc.hpp"

namespace bscbot::daemon {

struct App;

class OpsGauges {
public:
  // Registers the gauges in the daemon's registry and takes the first readings.
  explicit OpsGauges(App& app);

  // Reads /proc once (CPU and the data folder's disk); called every second.
  void track_usage();

  // Re-reads disk usage and the 24 h trade figures; failures are logged, not thrown.
  void refresh();

private:
  App& m_app;
  core::checks::ProcFs m_proc;
  core::checks::CpuTracker m_cpu;
  core::checks::ProcFs m_sys{"/sys"};
  std::optional<core::checks::BlockDevice> m_disk_device;  // none on overlayfs, tmpfs, PostgreSQL elsewhere
  core::checks::DiskIoTracker m_disk_io;
  double m_ticks_per_second;
  prometheus::Family<prometheus::Gauge>& m_daemon_cpu;
  prometheus::Family<prometheus::Gauge>& m_host_cpu;
  prometheus::Family<prometheus::Gauge>& m_disk;
  prometheus::Family<prometheus::Gauge>& m_disk_util;
  prometheus::Family<prometheus::Gauge>& m_disk_reads;
  prometheus::Family<prometheus::Gauge>& m_disk_writes;
  prometheus::Family<prometheus::Gauge>& m_disk_await;
  prometheus::Family<prometheus::Gauge>& m_disk_window;
  prometheus::Family<prometheus::Gauge>& m_trades_per_hour;
  prometheus::Family<prometheus::Gauge>& m_trades_24h;
  prometheus::Family<prometheus::Gauge>& m_success_rate;
  prometheus::Family<prometheus::Gauge>& m_gas_fee;
  bool m_refresh_failed = false;
};

}  // namespace bscbot::daemon
