#pragma once
// Disk usage of the filesystem holding a folder, as `df -h` shows it (the manual expects less
// than 70 % on the data and log folders). Behind a function type so tests can pass fixed
// numbers while black-box tests use statvfs.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

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

}  // namespace bscbot::core::checks
