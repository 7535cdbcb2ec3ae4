#include "core/checks/disk_io.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <sstream>
#include <tuple>

namespace fs = std::filesystem;

namespace bscbot::core::checks {

namespace {

// KEY=value lines of a sysfs uevent file.
std::optional<std::string> uevent_field(std::string_view uevent, std::string_view key) {
  std::istringstream lines{std::string(uevent)};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() > key.size() && line.compare(0, key.size(), key) == 0 && line[key.size()] == '=') return line.substr(key.size() + 1);
  }
  return std::nullopt;
}

std::optional<std::pair<unsigned, unsigned>> parse_dev_numbers(std::string_view text) {
  unsigned major = 0, minor = 0;
  char colon = 0;
  std::istringstream in{std::string(text)};
  if (!(in >> major >> colon >> minor) || colon != ':') return std::nullopt;
  return std::pair{major, minor};
}

struct Mount {
  std::string fstype;
  std::string source;
};

// The first mount of device `major`:`minor` in /proc/self/mountinfo:
// "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw" (optional fields end at the lone "-").
std::optional<Mount> mount_of(const ProcReader& proc, unsigned major, unsigned minor) {
  const auto text = proc.read("self/mountinfo");
  if (!text) return std::nullopt;
  const std::string wanted = fmt::format("{}:{}", major, minor);
  std::istringstream lines(*text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string id, parent, numbers, field;
    if (!(fields >> id >> parent >> numbers) || numbers != wanted) continue;
    while (fields >> field && field != "-") {
    }
    Mount m;
    if (fields >> m.fstype >> m.source) return m;
  }
  return std::nullopt;
}

}  // namespace

std::optional<DiskCounters> parse_diskstats(std::string_view diskstats, unsigned major, unsigned minor) {
  // "   8       1 sda1 reads merged sectors read_ms writes merged sectors write_ms in_flight io_ticks weighted ..."
  std::istringstream lines{std::string(diskstats)};
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    unsigned row_major = 0, row_minor = 0;
    std::string name;
    if (!(fields >> row_major >> row_minor >> name) || row_major != major || row_minor != minor) continue;
    double v[10] = {};
    for (double& x : v) {
      if (!(fields >> x)) return std::nullopt;
    }
    return DiskCounters{v[0], v[3], v[4], v[7], v[9]};
  }
  return std::nullopt;
}

DeviceLookup find_block_device(dev_t dev, const ProcReader& sys, const ProcReader& proc) {
  unsigned major = ::major(dev), minor = ::minor(dev);
  std::string via;
  if (major == 0) {
    // No block device of its own; a btrfs mount still names the /dev node it sits on.
    const auto mount = mount_of(proc, major, minor);
    if (!mount) return NoBlockDevice{fmt::format("anonymous device 0:{} with no entry in /proc/self/mountinfo", minor)};
    const fs::path source = mount->source;
    const auto numbers = mount->source.starts_with("/dev/") ? sys.read("class/block/" + source.filename().string() + "/dev") : std::nullopt;
    const auto parsed = numbers ? parse_dev_numbers(*numbers) : std::nullopt;
    if (!parsed) {
      return NoBlockDevice{fmt::format("{} (source {}, device 0:{}) is not backed by a block device this host can see", mount->fstype,
                                       mount->source, minor)};
    }
    std::tie(major, minor) = *parsed;
    via = fmt::format("{} on {}", mount->fstype, mount->source);
  }
  auto with_via = [&](const std::string& how) { return via.empty() ? how : how.empty() ? via : via + "; " + how; };
  const std::string node = fmt::format("dev/block/{}:{}", major, minor);
  const auto uevent = sys.read(node + "/uevent");
  if (!uevent) {
    return BlockDevice{major, minor, fmt::format("{}:{}", major, minor),
                       with_via(fmt::format("/sys/{} is not readable: measured as it is", node))};
  }
  const std::string name = uevent_field(*uevent, "DEVNAME").value_or(fmt::format("{}:{}", major, minor));
  if (uevent_field(*uevent, "DEVTYPE") != "partition") return BlockDevice{major, minor, name, with_via("")};
  // The kernel resolves the symlink before "..", so this is the disk's folder.
  const auto parent = sys.read(node + "/../uevent");
  const auto parent_major = parent ? uevent_field(*parent, "MAJOR") : std::nullopt;
  const auto parent_minor = parent ? uevent_field(*parent, "MINOR") : std::nullopt;
  const auto numbers = parent_major && parent_minor ? parse_dev_numbers(*parent_major + ":" + *parent_minor) : std::nullopt;
  if (!numbers) return BlockDevice{major, minor, name, with_via(name + " is a partition whose disk is not readable in /sys")};
  const std::string disk = uevent_field(*parent, "DEVNAME").value_or(fmt::format("{}:{}", numbers->first, numbers->second));
  return BlockDevice{numbers->first, numbers->second, disk, with_via(fmt::format("{} is a partition of {}", name, disk))};
}

std::optional<dev_t> device_of(const fs::path& path) {
  std::error_code ec;
  fs::path probe = fs::absolute(path, ec);
  if (ec) probe = path;
  while (!probe.empty() && !fs::exists(probe, ec) && probe != probe.parent_path()) probe = probe.parent_path();
  struct stat st {};
  if (probe.empty() || ::stat(probe.c_str(), &st) != 0) return std::nullopt;
  return st.st_dev;
}

DiskIoReading read_disk_io(const ProcReader& proc, const BlockDevice& device) {
  DiskIoReading r{device.major, device.minor, std::nullopt, std::chrono::steady_clock::now()};
  if (const auto text = proc.read("diskstats")) r.counters = parse_diskstats(*text, device.major, device.minor);
  return r;
}

std::optional<DiskIoUsage> disk_io_usage(const DiskIoReading& before, const DiskIoReading& after) {
  if (!before.counters || !after.counters || before.major != after.major || before.minor != after.minor) return std::nullopt;
  const double ms = std::chrono::duration<double, std::milli>(after.at - before.at).count();
  const DiskCounters& a = *before.counters;
  const DiskCounters& b = *after.counters;
  if (ms <= 0 || b.reads < a.reads || b.writes < a.writes || b.read_ms < a.read_ms || b.write_ms < a.write_ms ||
      b.io_ticks_ms < a.io_ticks_ms) {
    return std::nullopt;
  }
  DiskIoUsage u;
  u.window_ms = ms;
  // io_ticks moves in jiffies, so a short window can overshoot wall time by one.
  u.util_percent = std::min(100.0, (b.io_ticks_ms - a.io_ticks_ms) * 100.0 / ms);
  u.reads_per_s = (b.reads - a.reads) * 1000.0 / ms;
  u.writes_per_s = (b.writes - a.writes) * 1000.0 / ms;
  const double completed = (b.reads - a.reads) + (b.writes - a.writes);
  if (completed > 0) u.await_ms = ((b.read_ms - a.read_ms) + (b.write_ms - a.write_ms)) / completed;
  return u;
}

void DiskIoTracker::add(DiskIoReading reading) {
  // A device that changed (or a reading without counters) starts the window again.
  if (!reading.counters || (!m_readings.empty() && (m_readings.back().major != reading.major || m_readings.back().minor != reading.minor))) {
    m_readings.clear();
  }
  if (!reading.counters) return;
  m_readings.push_back(std::move(reading));
  while (m_readings.size() > 2 && m_readings.back().at - m_readings[1].at >= m_span) m_readings.pop_front();
}

std::optional<DiskIoUsage> DiskIoTracker::usage() const {
  if (m_readings.size() < 2) return std::nullopt;
  return disk_io_usage(m_readings.front(), m_readings.back());
}

}  // namespace bscbot::core::checks
