#pragma once
// `bscbot backup config restore`: the manual's `tar -xzf config_backup.tar.gz` in its disaster
// recovery, made safe. Every entry is read and checked before anything is written (no absolute
// paths, no "..", regular files only, a size cap); the plan says per file what changes (for .env
// files, which settings, never their values); each file is then written atomically with the mode
// it was archived with, and the file it replaces kept beside it.
#include <filesystem>
#include <string>
#include <vector>

#include "core/util/clock.hpp"

namespace bscbot::core::backup {

enum class ConfigChange { unchanged, changed, added };
std::string_view to_string(ConfigChange c);

struct ConfigFilePlan {
  std::string entry;                        // the name inside the archive
  std::filesystem::path target;             // where it goes
  bool system = false;                      // outside the deployment folder (e.g. the systemd unit)
  ConfigChange change = ConfigChange::added;
  std::filesystem::perms mode = std::filesystem::perms::none;
  std::uintmax_t bytes = 0;
  std::vector<std::string> settings;        // KEY=VALUE files: names added, removed or changed
  std::string content;
};

struct ConfigRestorePlan {
  std::filesystem::path archive;
  std::vector<ConfigFilePlan> files;
  std::size_t changes(bool include_system) const;
};

// FILE, or with `latest` the newest BACKUP_DIR/config/config_*.tar.gz; core::Error(usage) for
// neither or both, not_found when there is none.
std::filesystem::path chosen_config_archive(const std::filesystem::path& backup_dir, const std::string& file, bool latest);

// Reads `archive` and compares it with what is on disk; an entry inside the deployment folder
// `base` goes there, one that named a file elsewhere (stored like tar, without its leading '/')
// goes back to that absolute path. Throws core::Error(data) naming the archive and the bad entry.
ConfigRestorePlan plan_config_restore(const std::filesystem::path& archive, const std::filesystem::path& base);

struct ConfigRestoreResult {
  std::vector<std::filesystem::path> written;
  std::vector<std::filesystem::path> kept;     // the replaced files, as <file>.before-restore-<time>
  std::vector<std::filesystem::path> skipped;  // system files, without include_system
};

// Writes the plan's changed and added files (system ones only with `include_system`).
ConfigRestoreResult restore_config(const ConfigRestorePlan& plan, bool include_system, SystemTime now);

}  // namespace bscbot::core::backup
