#pragma once
// Pruning the rotation: each tier keeps its backups for its retention, counted back from now, or
// from the newest good backup when the clock is ahead of it. So a clock that jumps years
// ahead, or a cron job that stopped a month ago, never empties a tier; a clock set years back
// deletes nothing; and the newest good backup of a tier is never deleted at all.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/backup/catalog.hpp"
#include "core/backup/rotation.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::backup {

struct PruneDecision {
  BackupEntry entry;
  bool remove = false;
  std::string reason;
};

struct PrunePlan {
  std::vector<PruneDecision> decisions;             // every backup, newest first
  std::vector<std::filesystem::path> leftovers;     // manifests without a backup, temp files of writers that are gone
  std::size_t removals() const;
};

// Decides, without touching anything, what prune deletes at `now` and why.
PrunePlan plan_prune(const Catalog& catalog, SystemTime now, const Retention& retention);

struct PruneResult {
  PrunePlan plan;
  std::uintmax_t freed_bytes = 0;   // space returned (a backup hard-linked into another tier frees none)
};

// Prunes `backup_dir` under the backup lock; with DryRun::yes only plans.
PruneResult prune_backups(const std::filesystem::path& backup_dir, const Retention& retention, const Clock& clock,
                          DryRun dry_run);

}  // namespace bscbot::core::backup
