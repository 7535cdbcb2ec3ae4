#pragma once
// The manual's monthly disaster-recovery drill, without touching production: restore a backup
// into a scratch folder with the same code `bscbot restore` uses, start a second bscbotd on a
// free port against it, check it the way an operator would, stop it, clean up, and time every
// step against the recovery target (30 minutes in the manual). With Full::yes it rehearses all of
// `bscbot recover` (scripts/disaster-recovery.sh): the config archive put back into the scratch
// deployment first, and bscbotd started on that restored configuration.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::drill {

enum class Keep { no, yes };
enum class Full { no, yes };

struct DrillOptions {
  std::optional<std::filesystem::path> backup;   // default: the newest good backup of BACKUP_DIR
  Full full = Full::no;
  std::optional<std::filesystem::path> config_archive;  // Full::yes; default: the newest of BACKUP_DIR/config
  std::filesystem::path scratch_root;            // the drill makes its own folder below it
  std::filesystem::path bscbotd;                 // the daemon executable to start
  std::chrono::minutes target{30};
  Keep keep = Keep::no;
  std::chrono::milliseconds start_timeout{60000};
};

struct DrillStep {
  std::string name;
  bool ok = false;
  bool skipped = false;
  std::chrono::milliseconds took{0};
  std::string detail;
};

struct DrillReport {
  std::string started_at;                        // UTC
  std::filesystem::path backup;
  bool full = false;
  std::filesystem::path config_archive;          // full drills
  std::filesystem::path scratch;
  bool kept = false;
  std::vector<DrillStep> steps;
  std::chrono::milliseconds recovery{0};         // from the start until the restored daemon answered healthy
  std::chrono::milliseconds total{0};
  std::chrono::minutes target{30};
  std::vector<std::string> cleared;              // scratch folders of killed drills removed first (and their daemons stopped)
  bool ok() const;
  bool within_target() const { return ok() && recovery <= target; }
};

// Runs the drill with `cfg` (the production configuration; only its BACKUP_DIR and settings are
// read). Failures of the drill are reported in the report, never thrown; an unusable setup
// (no scratch folder; for a full drill, no config archive) is core::Error, before anything is made.
DrillReport run_drill(const config::Config& cfg, const DrillOptions& options, const Clock& clock);

// The config archive a full drill rehearses with: `given`, or the newest of BACKUP_DIR/config.
// Throws core::Error(not_found) saying to run `bscbot backup config` when there is none.
std::filesystem::path choose_config_archive(const config::Config& cfg, const std::optional<std::filesystem::path>& given);

// The report as Markdown, like the manual's other reports.
std::string to_markdown(const DrillReport& report);

}  // namespace bscbot::core::drill
