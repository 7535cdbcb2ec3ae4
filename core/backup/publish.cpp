#include "core/backup/publish.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/backup/catalog.hpp"
#include "core/backup/compression.hpp"
#include "core/backup/sha256.hpp"
#include "core/error.hpp"
#include "core/util/crash_point.hpp"
#include "core/util/files.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::backup {

namespace {

// Puts `daily` into another tier as `target`: a hard link (no extra space), or a copy where the
// filesystem has none; replaces an earlier backup of the same week or month. The steps are
// ordered so that a crash between any two leaves either no entry under `target` or a good one:
// the old file goes first (its manifest is then a leftover, not an entry), then its manifest,
// then the new manifest is written (still no entry: no file), and last the file appears in one
// rename. A manifest beside a file it does not describe never exists.
void place_in_tier(const fs::path& daily, const fs::path& target, const Manifest& manifest) {
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) throw Error(ErrorKind::io, fmt::format("cannot create {}: {}", target.parent_path().string(), ec.message()));
  if (fs::remove(target, ec)) crash_point("backup.tier_old_removed");
  if (ec) throw Error(ErrorKind::io, fmt::format("cannot replace {}: {}", target.string(), ec.message()));
  fs::remove(manifest_path(target), ec);
  write_manifest(target, manifest);
  crash_point("backup.tier_manifest_written");
  const fs::path temp = temp_path_beside(target);
  if (::link(daily.c_str(), temp.c_str()) == 0) {
    crash_point("backup.tier_temp_linked");
    if (::rename(temp.c_str(), target.c_str()) != 0) {
      const int err = errno;
      ::unlink(temp.c_str());
      throw Error(ErrorKind::io, fmt::format("cannot place {}: {}", target.string(), std::strerror(err)));
    }
    fsync_path(target.parent_path());
    return;
  }
  StagedFile copy(target, k_backup_mode);
  expand(daily, Compression::none, &copy);
  copy.commit(Replace::yes);
}

}  // namespace

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

fs::path free_name(const fs::path& dir, const std::string& name) {
  const std::string::size_type dot = name.find('.');
  for (int n = 1;; ++n) {
    const std::string candidate = n == 1 ? name : fmt::format("{}_{}{}", name.substr(0, dot), n, name.substr(dot));
    const fs::path p = dir / candidate;
    if (!fs::exists(p) && !fs::exists(manifest_path(p))) return p;
  }
}

Published publish_backup(StagedFile& file, const fs::path& backup_dir, const Manifest& manifest, const std::vector<Tier>& tiers,
                         SystemTime now) {
  Published out;
  const fs::path daily = file.destination();
  // What the catalog compares on every listing, whatever the file holds.
  Manifest m = manifest;
  m.spot_sha256 = spot_sha256(file.temp_path());
  // Manifest first, then the backup under its name: a backup never exists without its manifest.
  write_manifest(daily, m);
  crash_point("backup.manifest_written");
  try {
    file.commit(Replace::no);
  } catch (...) {
    std::error_code ec;
    fs::remove(manifest_path(daily), ec);
    throw;
  }
  out.path = daily;
  crash_point("backup.committed");

  for (Tier tier : tiers) {
    if (tier == Tier::daily) continue;
    const fs::path target = backup_dir / std::string(to_string(tier)) / backup_file_name(tier, now, m.compression, m.backend);
    Manifest copy = m;
    copy.file = target.filename().string();
    copy.tier = std::string(to_string(tier));
    place_in_tier(daily, target, copy);
    crash_point("backup.tier_linked");
    out.tier_copies.push_back({tier, target});
  }
  update_latest_pointer(backup_dir, daily);
  crash_point("backup.latest_updated");
  out.latest = latest_pointer(backup_dir);
  return out;
}

}  // namespace bscbot::core::backup
