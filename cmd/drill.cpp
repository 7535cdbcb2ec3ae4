// bscbot drill: the manual's monthly disaster-recovery drill (scripts/disaster-recovery-drill.sh)
// in a scratch folder: restore the newest good backup, start a second bscbotd on it, check it,
// and time the recovery against the 30-minute target. With --full, the whole of `bscbot recover`
// (scripts/disaster-recovery.sh) is rehearsed: the config archive first. Production is never touched.
#include <filesystem>
#include <iostream>

#include "cmd/alerting.hpp"
#include "cmd/commands.hpp"
#include "core/drill/drill.hpp"
#include "core/error.hpp"
#include "core/util/files.hpp"

namespace fs = std::filesystem;

namespace bscbot::cmd {

namespace {

struct DrillFlags {
  std::string backup;
  bool full = false;
  std::string config_archive;
  std::string scratch;
  std::string target;
  std::string report;
  bool keep = false;
};

int run_drill(Context& ctx, const DrillFlags& f, Watched& watched) {
  const auto& cfg = ctx.config();
  core::drill::DrillOptions options;
  if (!f.backup.empty()) options.backup = fs::path(f.backup);
  options.full = f.full ? core::drill::Full::yes : core::drill::Full::no;
  if (!f.config_archive.empty()) options.config_archive = fs::path(f.config_archive);
  // Without an archive there is no full drill: said before anything starts.
  if (f.full) options.config_archive = core::drill::choose_config_archive(cfg, options.config_archive);
  options.scratch_root = f.scratch.empty() ? fs::temp_directory_path() : fs::path(f.scratch);
  options.bscbotd = core::process::default_bscbotd_path(cfg);
  options.target = f.target.empty() ? std::chrono::minutes(cfg.integer("RECOVERY_TARGET_MINUTES"))
                                    : std::chrono::duration_cast<std::chrono::minutes>(core::parse_duration(f.target));
  if (options.target.count() < 1) throw core::Error(core::ErrorKind::usage, "--target must be at least 1m");
  options.keep = f.keep ? core::drill::Keep::yes : core::drill::Keep::no;
  ctx.out().note(fmt::format("drill in {} (production is not touched)...", options.scratch_root.string()));
  const auto report = core::drill::run_drill(cfg, options, ctx.clock());
  const std::string markdown = core::drill::to_markdown(report);
  if (!f.report.empty()) core::atomic_write_file(f.report, markdown);

  nlohmann::json steps = nlohmann::json::array();
  for (const auto& s : report.steps) {
    steps.push_back({{"name", s.name}, {"ok", s.ok}, {"skipped", s.skipped}, {"duration_ms", s.took.count()}, {"detail", s.detail}});
  }
  ctx.out().document({{"ok", report.ok()}, {"within_target", report.within_target()}, {"backup", report.backup.string()},
                      {"full", report.full}, {"config_archive", report.full ? nlohmann::json(report.config_archive.string()) : nlohmann::json(nullptr)},
                      {"recovery_ms", report.recovery.count()}, {"total_ms", report.total.count()}, {"target_minutes", report.target.count()},
                      {"scratch", report.scratch.string()}, {"kept", report.kept}, {"cleared", report.cleared}, {"started_at", report.started_at}, {"steps", steps},
                      {"report", f.report.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.report)}});
  if (!ctx.out().json()) std::cout << markdown;
  watched.evidence.push_back(fmt::format("backup {}, recovery {} against a {} min target", report.backup.string(),
                                         core::format_duration(report.recovery), report.target.count()));
  for (const auto& s : report.steps) {
    if (!s.ok && !s.skipped) watched.evidence.push_back(fmt::format("step {} failed: {}", s.name, s.detail));
  }
  if (!report.ok()) {
    watched.failure = "the recovery did not work";
    for (const auto& s : report.steps) {
      if (!s.ok && !s.skipped) {
        watched.failure = fmt::format("step {} failed: {}", s.name, s.detail);
        break;
      }
    }
    return 1;
  }
  if (!report.within_target()) {
    watched.severity = core::notify::Severity::medium;
    watched.failure = fmt::format("recovery took {}, more than the {} min target", core::format_duration(report.recovery), report.target.count());
    return 2;
  }
  return 0;
}

// The monthly drill proves backups can be restored; a failed one is a problem before the disaster.
int watched_drill(Context& ctx, const DrillFlags& f) {
  Watched w{"command.drill", f.full ? "bscbot drill --full" : "bscbot drill", core::notify::Severity::high,
            f.full ? "bscbot drill --full --keep --report drill.md, then read the failed step; bscbot backup config for a new archive"
                   : "bscbot drill --keep --report drill.md, then read the failed step; bscbot backup verify --latest",
            "", {}};
  return run_watched(ctx, w, [&] { return run_drill(ctx, f, w); });
}

}  // namespace

void setup_drill(CLI::App& command, Context& ctx) {
  auto f = std::make_shared<DrillFlags>();
  command.add_option("--backup", f->backup, "Backup file to drill with (default: the newest good backup)");
  auto* full = command.add_flag("--full", f->full, "Rehearse the whole recovery: the config archive too, as bscbot recover");
  command.add_option("--config-archive", f->config_archive, "Config archive for --full (default: the newest of BACKUP_DIR/config)")->needs(full);
  command.add_option("--scratch", f->scratch, "Folder for the scratch deployment (default: the system temp folder)");
  command.add_option("--target", f->target, "Recovery time target, e.g. 30m (default RECOVERY_TARGET_MINUTES)");
  command.add_option("--report", f->report, "Also write the Markdown report to this file");
  command.add_flag("--keep", f->keep, "Keep the scratch folder for inspection");
  command.footer(
      "With --full the drill rehearses bscbot recover: the config archive is unpacked into the scratch deployment (checked, modes "
      "kept), its .env pointed at the scratch database and a free loopback port, and bscbotd started on it. "
      "Exit status: 0 passed within the target, 1 failed, 2 passed but slower than the target.");
  command.callback([&ctx, f] { ctx.run = [&ctx, f] { return watched_drill(ctx, *f); }; });
}

}  // namespace bscbot::cmd
