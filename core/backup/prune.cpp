#include "core/backup/prune.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>

#include "core/error.hpp"
#include "core/util/crash_point.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::backup {

namespace {

std::string days(std::chrono::hours h) { return fmt::format("{}", h.count() / 24); }

std::string age_text(std::chrono::system_clock::duration d) {
  return format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(d));
}

}  // namespace

std::size_t PrunePlan::removals() const {
  return static_cast<std::size_t>(std::count_if(decisions.begin(), decisions.end(), [](const PruneDecision& d) { return d.remove; }));
}

PrunePlan plan_prune(const Catalog& catalog, SystemTime now, const Retention& retention) {
  PrunePlan plan;
  // Ages count back from now, or from the newest good backup when the clock is ahead of it (a
  // clock that jumped, or backups that stopped): one reference for every tier.
  SystemTime newest_time{};
  const bool any_good_at_all = std::any_of(catalog.entries.begin(), catalog.entries.end(), [](const BackupEntry& e) { return e.good(); });
  for (const BackupEntry& e : catalog.entries) {
    if (e.good() || !any_good_at_all) newest_time = std::max(newest_time, e.taken_at);
  }
  const SystemTime reference = std::min(now, newest_time);
  for (Tier tier : k_tiers) {
    std::vector<const BackupEntry*> entries;
    for (const BackupEntry& e : catalog.entries) {
      if (e.tier == tier) entries.push_back(&e);
    }
    if (entries.empty()) continue;
    // Protected: the newest good backup, or the newest of any state when none is good.
    const BackupEntry* keep = nullptr;
    for (const BackupEntry* e : entries) {
      if (e->good()) {
        keep = e;
        break;
      }
    }
    const bool any_good = keep != nullptr;
    if (!keep) keep = entries.front();
    const auto keep_for = retention.of(tier);
    for (const BackupEntry* e : entries) {
      PruneDecision d{*e, false, {}};
      const auto age = reference - e->taken_at;
      std::error_code ec;
      if (e == keep) {
        d.reason = any_good ? fmt::format("newest good {} backup: always kept", to_string(tier))
                            : fmt::format("newest {} backup (none is good): kept", to_string(tier));
      } else if (catalog.latest && fs::equivalent(*catalog.latest, e->path, ec)) {
        d.reason = "the latest pointer leads here: kept";
      } else if (e->taken_at > now) {
        d.reason = fmt::format("dated {} ahead of the clock (the clock was or is wrong): kept", age_text(e->taken_at - now));
      } else if (age > keep_for) {
        d.remove = true;
        d.reason = fmt::format("{} old, beyond the {} days {} backups are kept", age_text(age), days(keep_for), to_string(tier));
      } else {
        d.reason = fmt::format("{} old, within {} days", age_text(age), days(keep_for));
      }
      plan.decisions.push_back(std::move(d));
    }
  }
  std::sort(plan.decisions.begin(), plan.decisions.end(),
            [](const PruneDecision& a, const PruneDecision& b) { return newer(a.entry, b.entry); });
  plan.leftovers = catalog.orphan_manifests;
  for (const TempFile& temp : catalog.temp_files) {
    if (!temp.writer_alive) plan.leftovers.push_back(temp.path);
  }
  return plan;
}

PruneResult prune_backups(const fs::path& backup_dir, const Retention& retention, const Clock& clock, DryRun dry_run) {
  PruneResult result;
  if (!fs::exists(backup_dir)) return result;
  BackupLock lock(backup_dir);
  crash_point("prune.locked");
  result.plan = plan_prune(scan_catalog(backup_dir), clock.now(), retention);
  if (dry_run == DryRun::yes) return result;
  for (const PruneDecision& d : result.plan.decisions) {
    if (!d.remove) continue;
    struct stat st {};
    const bool last_link = ::stat(d.entry.path.c_str(), &st) == 0 && st.st_nlink == 1;
    std::error_code ec;
    // The backup goes first, in one unlink: a manifest left without it is a leftover the next
    // run clears, never an entry.
    if (!fs::remove(d.entry.path, ec) && ec) {
      throw Error(ErrorKind::io, fmt::format("cannot delete {}: {}", d.entry.path.string(), ec.message()));
    }
    crash_point("prune.backup_removed");
    fs::remove(manifest_path(d.entry.path), ec);
    crash_point("prune.manifest_removed");
    if (last_link) result.freed_bytes += d.entry.size_bytes;
  }
  for (const fs::path& leftover : result.plan.leftovers) {
    std::error_code ec;
    fs::remove(leftover, ec);
  }
  // db_latest.sqlite must never dangle: sqlite3 would create an empty file at its target and
  // call it "ok". It moves to the newest uncompressed SQLite backup left, or goes.
  const fs::path link = db_latest_link(backup_dir);
  std::error_code ec;
  if (fs::is_symlink(link, ec) && !fs::exists(link, ec)) {
    const Catalog left = scan_catalog(backup_dir);
    const auto plain = std::find_if(left.entries.begin(), left.entries.end(),
                                    [](const BackupEntry& e) { return e.good() && e.path.extension() == ".sqlite"; });
    if (plain != left.entries.end()) {
      update_db_latest(backup_dir, plain->path);
    } else {
      fs::remove(link, ec);
    }
  }
  crash_point("prune.done");
  return result;
}

}  // namespace bscbot::core::backup
