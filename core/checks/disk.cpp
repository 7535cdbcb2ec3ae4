#include "core/checks/disk.hpp"

#include <sys/statvfs.h>

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

}  // namespace bscbot::core::checks
