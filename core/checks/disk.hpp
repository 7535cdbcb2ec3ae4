#pragma once
// Disk usage of the filesystem holding a folder, as `df -h` shows it (the manual expects less
// than 70 % on the data and log folders). Behind a function type so tests can pass fixed
// numbers while black-box tests use statvfs.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "core/config/config.hpp"
#include "core/db/probe.hpp"

namespace bscbot::core::checks {

struct DiskUsage {
  std::uintmax_t total_bytes = 0;
  std::uintmax_t used_bytes = 0;       // total minus free
  std::uintmax_t available_bytes = 0;  // what an unprivileged writer may still use
  // df's Use%: used over what users can have (used + available), so reserved blocks count as full.
  double used_percent() const {
    const double usable = static_cast<double>(used_bytes) + static_cast<double>(available_bytes);
    return usable > 0 ? static_cast<double>(used_bytes) * 100.0 / usable : 0;
  }
};

using DiskProbe = std::function<std::optional<DiskUsage>(const std::filesystem::path&)>;

// statvfs of `path`, or of its nearest existing parent when it does not exist yet; nullopt
// when even that fails.
std::optional<DiskUsage> statvfs_usage(const std::filesystem::path& path);

// The free-space rule bscbotd's worker and `bscbot health` share: below DISK_FREE_MIN_MB on a
// folder's filesystem the next writes (a WAL that grows to its checkpoint, the checkpoint, a log
// line) may fail, so it is called disk_full while writes still work, not once they fail.
std::uintmax_t free_space_margin(const config::Config& cfg);

// What is wrong when only `free` bytes are left on the filesystem of `folder`, below `margin`;
// nullopt when there is room.
std::optional<std::string> short_of_space(const std::filesystem::path& folder, std::uintmax_t free, std::uintmax_t margin);

// A store's write probe with that rule applied: disk_full when the write worked but the folder
// the database grows in (`folder`; none for a server's database) is short of `margin`.
db::WriteProbe with_margin(db::WriteProbe probe, const std::optional<std::filesystem::path>& folder, std::uintmax_t margin);

}  // namespace bscbot::core::checks
