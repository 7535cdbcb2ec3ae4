#include "core/checks/disk.hpp"

#include <fmt/format.h>
#include <sys/statvfs.h>

#include "core/util/units.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::checks {

std::optional<DiskUsage> statvfs_usage(const fs::path& path) {
  std::error_code ec;
  fs::path probe = fs::absolute(path, ec);
  if (ec) probe = path;
  while (!probe.empty() && !fs::exists(probe, ec)) {
    if (probe == probe.parent_path()) break;
    probe = probe.parent_path();
  }
  struct statvfs st {};
  if (probe.empty() || ::statvfs(probe.c_str(), &st) != 0) return std::nullopt;
  const auto block = static_cast<std::uintmax_t>(st.f_frsize ? st.f_frsize : st.f_bsize);
  DiskUsage d;
  d.total_bytes = static_cast<std::uintmax_t>(st.f_blocks) * block;
  d.used_bytes = static_cast<std::uintmax_t>(st.f_blocks - st.f_bfree) * block;
  d.available_bytes = static_cast<std::uintmax_t>(st.f_bavail) * block;
  return d;
}

std::uintmax_t free_space_margin(const config::Config& cfg) {
  return static_cast<std::uintmax_t>(cfg.integer("DISK_FREE_MIN_MB")) * 1024 * 1024;
}

std::optional<std::string> short_of_space(const fs::path& folder, std::uintmax_t free, std::uintmax_t margin) {
  if (free >= margin) return std::nullopt;
  return fmt::format("only {} free on the filesystem of {}, below DISK_FREE_MIN_MB ({}): the next writes may fail; free space there",
                     bytes_text(static_cast<double>(free)), folder.string(), bytes_text(static_cast<double>(margin)));
}

db::WriteProbe with_margin(db::WriteProbe probe, const std::optional<fs::path>& folder, std::uintmax_t margin) {
  if (probe.state != db::DbState::ok || !probe.free_bytes || !folder) return probe;
  if (const auto short_of = short_of_space(*folder, *probe.free_bytes, margin)) {
    probe.state = db::DbState::disk_full;
    probe.error = *short_of;
  }
  return probe;
}

}  // namespace bscbot::core::checks
