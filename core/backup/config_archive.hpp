#pragma once
// `bscbot backup config`: the manual's backup-config.sh. The deployment's configuration (.env,
// the config file, the systemd unit when there is one) goes into one tar.gz under
// BACKUP_DIR/config/, created with mode 600 from the first byte because .env holds secrets.
// Entries are relative to the deployment folder, so `tar -xzf … -C .` in the manual's disaster
// recovery puts them back; files from elsewhere keep their absolute path without the leading '/'.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::backup {

struct ArchivedFile {
  std::filesystem::path source;
  std::string entry;           // name inside the archive
  std::uintmax_t bytes = 0;
};

struct ConfigArchive {
  std::filesystem::path path;
  std::vector<ArchivedFile> files;
  std::vector<std::filesystem::path> missing;  // asked for but absent (a missing unit is normal)
  std::uintmax_t bytes = 0;
  std::string sha256;
};

// The files the manual backs up: `.env` and `bscbot.yaml`, every file the configuration was
// loaded from (`loaded`, e.g. a --config or BSCBOT_CONFIG file elsewhere), and the bscbotd systemd
// unit if one is installed.
std::vector<std::filesystem::path> default_config_files(const std::vector<std::string>& loaded);

// The name inside the archive of `file`, relative to `base` (the deployment folder).
std::string archive_entry_name(const std::filesystem::path& file, const std::filesystem::path& base);

// Writes BACKUP_DIR/config/config_YYYYmmdd_HHMMSS.tar.gz (mode 600, atomically) holding the
// existing `files`; throws core::Error(not_found) when none exists.
ConfigArchive archive_config(const std::filesystem::path& backup_dir, const std::vector<std::filesystem::path>& files,
                             const std::filesystem::path& base, SystemTime now);

}  // namespace bscbot::core::backup
