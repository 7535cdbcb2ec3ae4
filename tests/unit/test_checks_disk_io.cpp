#include <doctest/doctest.h>
#include <sys/sysmacros.h>

#include <map>

#include "core/checks/disk_io.hpp"
#include "tests/support/scratch.hpp"

using namespace bscbot::core::checks;
using bscbot::test::Scratch;

namespace {

class FakeFs final : public ProcReader {
public:
  std::map<std::string, std::string> files;
  std::optional<std::string> read(const std::string& relative) const override {
    const auto it = files.find(relative);
    return it == files.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
};

// Rows as kernels print them: 5.5+ (17 counters, with discards and flushes), 4.18 (14, with
// discards) and 4.17 (11).
constexpr const char* k_diskstats =
    "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
    " 254       0 vda 37507 9547 2874074 33887 35160 14797 4501928 13927 0 19068 48644 5887 66 1230904 715 2448 113\n"
    "   8       0 sda 1200 10 96000 800 3400 20 272000 5100 2 7700 5900 0 0 0 0\n"
    "   8       2 sda2 1100 10 88000 700 3300 20 264000 5000 2 7500 5700 0 0 0 0\n"
    " 259       0 nvme0n1 900 0 7200 90 450 0 3600 40 0 120 130\n"
    " 253       0 dm-0 5 0 40 1 9 0 72 3\n";  // cut short

std::string uevent(unsigned major, unsigned minor, const std::string& name, const std::string& type) {
  return "MAJOR=" + std::to_string(major) + "\nMINOR=" + std::to_string(minor) + "\nDEVNAME=" + name + "\nDEVTYPE=" + type + "\nDISKSEQ=9\n";
}

// A host with sda (partition sda2), nvme0n1 (partition p1), a device-mapper volume, and a
// container's overlay root, a tmpfs and a btrfs subvolume on sdb1.
struct Host {
  FakeFs sys, proc;
  Host() {
    sys.files["dev/block/254:0/uevent"] = uevent(254, 0, "vda", "disk");
    sys.files["dev/block/8:2/uevent"] = uevent(8, 2, "sda2", "partition");
    sys.files["dev/block/8:2/../uevent"] = uevent(8, 0, "sda", "disk");
    sys.files["dev/block/259:1/uevent"] = uevent(259, 1, "nvme0n1p1", "partition");
    sys.files["dev/block/259:1/../uevent"] = uevent(259, 0, "nvme0n1", "disk");
    sys.files["dev/block/253:0/uevent"] = uevent(253, 0, "dm-0", "disk");
    sys.files["class/block/sdb1/dev"] = "8:17\n";
    sys.files["dev/block/8:17/uevent"] = uevent(8, 17, "sdb1", "partition");
    sys.files["dev/block/8:17/../uevent"] = uevent(8, 16, "sdb", "disk");
    proc.files["diskstats"] = k_diskstats;
    proc.files["self/mountinfo"] =
        "670 590 0:45 / / rw,relatime master:1 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/A:/var/lib/docker/overlay2/l/B\n"
        "671 670 0:23 / /dev/shm rw,nosuid,nodev - tmpfs shm rw,size=65536k\n"
        "672 670 0:35 /@data /srv rw,relatime shared:5 - btrfs /dev/sdb1 rw,ssd,subvolid=257,subvol=/@data\n"
        "673 670 0:36 / /mnt/nfs rw - nfs4 files:/export rw,vers=4.2\n";
  }
};

BlockDevice device(const DeviceLookup& lookup) {
  REQUIRE(std::holds_alternative<BlockDevice>(lookup));
  return std::get<BlockDevice>(lookup);
}

std::string reason(const DeviceLookup& lookup) {
  REQUIRE(std::holds_alternative<NoBlockDevice>(lookup));
  return std::get<NoBlockDevice>(lookup).reason;
}

DiskIoReading reading(DiskCounters c, int at_ms, unsigned major = 8, unsigned minor = 0) {
  return DiskIoReading{major, minor, c, std::chrono::steady_clock::time_point(std::chrono::milliseconds(at_ms))};
}

}  // namespace

TEST_CASE("checks: /proc/diskstats rows of every kernel layout parse to the counters iostat -x uses") {
  const auto vda = parse_diskstats(k_diskstats, 254, 0);
  REQUIRE(vda);
  CHECK(vda->reads == 37507);
  CHECK(vda->read_ms == 33887);
  CHECK(vda->writes == 35160);
  CHECK(vda->write_ms == 13927);
  CHECK(vda->io_ticks_ms == 19068);
  const auto nvme = parse_diskstats(k_diskstats, 259, 0);  // 11 counters
  REQUIRE(nvme);
  CHECK(nvme->io_ticks_ms == 120);
  CHECK(parse_diskstats(k_diskstats, 8, 2)->writes == 3300);  // by number, not by a name's prefix
  CHECK(parse_diskstats(k_diskstats, 8, 0)->writes == 3400);
  CHECK_FALSE(parse_diskstats(k_diskstats, 253, 0));  // a row cut short is no reading
  CHECK_FALSE(parse_diskstats(k_diskstats, 8, 1));
  CHECK_FALSE(parse_diskstats("", 8, 0));
}

TEST_CASE("checks: the block device behind a folder: a disk as it is, a partition as its disk, dm as it is") {
  const Host h;
  const auto vda = device(find_block_device(makedev(254, 0), h.sys, h.proc));
  CHECK(vda.name == "vda");
  CHECK((vda.major == 254 && vda.minor == 0));
  CHECK(vda.how.empty());
  const auto sda = device(find_block_device(makedev(8, 2), h.sys, h.proc));
  CHECK(sda.name == "sda");
  CHECK((sda.major == 8 && sda.minor == 0));
  CHECK(sda.how == "sda2 is a partition of sda");
  CHECK(device(find_block_device(makedev(259, 1), h.sys, h.proc)).name == "nvme0n1");
  const auto dm = device(find_block_device(makedev(253, 0), h.sys, h.proc));
  CHECK(dm.name == "dm-0");
  CHECK(dm.minor == 0);
  // btrfs gives its files an anonymous device; the mount's source names the disk.
  const auto btrfs = device(find_block_device(makedev(0, 35), h.sys, h.proc));
  CHECK(btrfs.name == "sdb");
  CHECK((btrfs.major == 8 && btrfs.minor == 16));
  CHECK(btrfs.how == "btrfs on /dev/sdb1; sdb1 is a partition of sdb");
  // /sys not readable (a locked-down container): the device's own counters, said so.
  const auto bare = device(find_block_device(makedev(8, 5), h.sys, h.proc));
  CHECK(bare.name == "8:5");
  CHECK(bare.how.find("/sys/dev/block/8:5 is not readable") != std::string::npos);
}

TEST_CASE("checks: overlayfs, tmpfs and NFS have no block device, and the reason names the filesystem") {
  const Host h;
  const std::string overlay = reason(find_block_device(makedev(0, 45), h.sys, h.proc));
  CHECK(overlay.find("overlay (source overlay, device 0:45)") != std::string::npos);
  CHECK(reason(find_block_device(makedev(0, 23), h.sys, h.proc)).find("tmpfs (source shm") != std::string::npos);
  CHECK(reason(find_block_device(makedev(0, 36), h.sys, h.proc)).find("nfs4 (source files:/export") != std::string::npos);
  CHECK(reason(find_block_device(makedev(0, 99), h.sys, h.proc)).find("0:99 with no entry in /proc/self/mountinfo") != std::string::npos);
}

TEST_CASE("checks: this machine's data folder maps to a /proc/diskstats row, or says why not") {
  Scratch s("disk-io-real");
  const auto dev = device_of(s / "data/not-yet");  // the nearest existing parent
  REQUIRE(dev);
  const ProcFs sys("/sys"), proc;
  const DeviceLookup lookup = find_block_device(*dev, sys, proc);
  if (const auto* d = std::get_if<BlockDevice>(&lookup)) {
    MESSAGE("scratch folder on " << d->name << " (" << d->major << ":" << d->minor << ") " << d->how);
    CHECK(read_disk_io(proc, *d).counters.has_value());
  } else {
    MESSAGE("scratch folder: " << std::get<NoBlockDevice>(lookup).reason);
    CHECK_FALSE(std::get<NoBlockDevice>(lookup).reason.empty());
  }
}

TEST_CASE("checks: %util, r/s, w/s and await between two readings, as iostat -x computes them") {
  // 500 ms apart: 250 ms busy, 50 reads taking 50 ms, 100 writes taking 200 ms.
  const auto u = disk_io_usage(reading({100, 50, 200, 150, 1000}, 1000), reading({150, 100, 300, 350, 1250}, 1500));
  REQUIRE(u);
  CHECK(u->util_percent == doctest::Approx(50));
  CHECK(u->reads_per_s == doctest::Approx(100));
  CHECK(u->writes_per_s == doctest::Approx(200));
  REQUIRE(u->await_ms);
  CHECK(*u->await_ms == doctest::Approx(250.0 / 150.0));
  CHECK(u->window_ms == doctest::Approx(500));
  // An idle disk: 0 %, no request to average.
  const auto idle = disk_io_usage(reading({1, 1, 1, 1, 1}, 0), reading({1, 1, 1, 1, 1}, 100));
  REQUIRE(idle);
  CHECK(idle->util_percent == 0);
  CHECK_FALSE(idle->await_ms);
  // io_ticks counts whole jiffies: one more than the window is still 100 %.
  CHECK(disk_io_usage(reading({0, 0, 0, 0, 0}, 0), reading({0, 0, 9, 100, 104}, 100))->util_percent == 100);
  // No figure from counters that went back, another device, a missing row or no time between.
  CHECK_FALSE(disk_io_usage(reading({100, 0, 0, 0, 4000000000.0}, 0), reading({101, 0, 0, 0, 5}, 100)));
  CHECK_FALSE(disk_io_usage(reading({0, 0, 0, 0, 0}, 0), reading({1, 0, 0, 0, 1}, 100, 8, 16)));
  CHECK_FALSE(disk_io_usage(DiskIoReading{8, 0, std::nullopt, {}}, reading({1, 0, 0, 0, 1}, 100)));
  CHECK_FALSE(disk_io_usage(reading({0, 0, 0, 0, 0}, 100), reading({1, 0, 0, 0, 1}, 100)));
}

TEST_CASE("checks: bscbotd's disk I/O window spans its last 10 s of readings, and starts again on another device") {
  DiskIoTracker tracker(std::chrono::seconds(10));
  CHECK_FALSE(tracker.usage());
  tracker.add(reading({0, 0, 0, 0, 0}, 0));
  CHECK_FALSE(tracker.usage());  // one reading is no window
  for (int second = 1; second <= 15; ++second) tracker.add(reading({10.0 * second, 0, 0, 0, 100.0 * second}, 1000 * second));
  auto u = tracker.usage();
  REQUIRE(u);
  CHECK(u->window_ms == doctest::Approx(10000));  // the oldest reading kept is 10 s before the newest
  CHECK(u->reads_per_s == doctest::Approx(10));
  CHECK(u->util_percent == doctest::Approx(10));
  tracker.add(DiskIoReading{8, 0, std::nullopt, {}});  // an unreadable row starts again
  CHECK_FALSE(tracker.usage());
  tracker.add(reading({0, 0, 0, 0, 0}, 20000, 8, 16));
  tracker.add(reading({5, 0, 0, 0, 0}, 21000, 8, 16));
  u = tracker.usage();
  REQUIRE(u);
  CHECK(u->reads_per_s == doctest::Approx(5));
}
