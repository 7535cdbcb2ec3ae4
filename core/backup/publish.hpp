#pragma once
// The last steps of every backup, whatever it holds (a SQLite copy or a pg_dump archive): a free
// name in daily/, the manifest before the file (a backup never exists without its manifest), the
// week's and the month's copies, and the `latest` pointer.
#include <filesystem>
#include <string>
#include <vector>

#include "core/backup/manifest.hpp"
#include "core/backup/rotation.hpp"
#include "core/backup/staged_file.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::backup {

inline constexpr std::filesystem::perms k_backup_mode = std::filesystem::perms(0600);  // backups hold wallets and trades

struct TierCopy {
  Tier tier;
  std::filesystem::path path;
};

struct Published {
  std::filesystem::path path;         // the daily backup
  std::vector<TierCopy> tier_copies;  // weekly / monthly
  std::filesystem::path latest;       // the pointer, now leading to `path`
};

// A name in `dir` that is free for a backup and its manifest: `name`, else name_2, name_3, ...
std::filesystem::path free_name(const std::filesystem::path& dir, const std::string& name);

// This machine's name, for manifests.
std::string host_name();

// Puts the finished `file` (staged for `daily`, named by free_name) in place with `manifest` (its
// spot checksum filled in here), then in the other tiers of `tiers` under their names for `now`,
// and moves the pointer.
Published publish_backup(StagedFile& file, const std::filesystem::path& backup_dir, const Manifest& manifest,
                         const std::vector<Tier>& tiers, SystemTime now);

}  // namespace bscbot::core::backup
