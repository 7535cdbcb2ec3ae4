// bscbot recover: the manual's disaster-recovery.sh as one command. Stop bscbotd; put the config
// archive back (`tar -xzf config_backup.tar.gz`, but checked, with modes kept and the replaced
// files kept); restore the database through the verified restore (migrated on the way); start
// bscbotd; wait until /api/health says it is healthy. Each step is timed, and the total is the
// recovery time the manual's RTO is about.
#include <chrono>
#include <filesystem>
#include <memory>

#include "cmd/commands.hpp"
#include "cmd/progress.hpp"
#include "core/backup/config_restore.hpp"
#include "core/backup/daemon_handle.hpp"
#include "core/backup/recovery.hpp"
#include "core/error.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace bscbot::cmd {

namespace {

namespace bk = core::backup;

struct RecoverFlags {
  std::string config_archive;
  bool latest_config = false;
  std::string backup;
  bool latest = false;
  bool system = false;
  bool dry_run = false;
  bool yes = false;
};

constexpr std::chrono::seconds k_stop_timeout{30};
constexpr std::chrono::seconds k_start_timeout{60};

struct Step {
  std::string name;
  std::string detail;
  std::chrono::milliseconds took{0};
};

class Steps {
public:
  explicit Steps(Output& out) : m_out(out) {}
  void done(std::string name, std::string detail) {
    const auto now = std::chrono::steady_clock::now();
    m_steps.push_back({std::move(name), std::move(detail), std::chrono::duration_cast<std::chrono::milliseconds>(now - m_lap)});
    m_lap = now;
    m_out.note(fmt::format("{:<10} {} ({})", m_steps.back().name + ":", m_steps.back().detail, core::format_duration(m_steps.back().took)));
  }
  json to_json() const {
    json j = json::array();
    for (const auto& s : m_steps) j.push_back({{"step", s.name}, {"detail", s.detail}, {"ms", s.took.count()}});
    return j;
  }
  std::chrono::milliseconds total() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - m_start);
  }

private:
  Output& m_out;
  std::vector<Step> m_steps;
  std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point m_lap = m_start;
};

int run_recover(Context& ctx, const RecoverFlags& flags) {
  auto& out = ctx.out();
  const bool with_config = flags.latest_config || !flags.config_archive.empty();
  std::optional<bk::ConfigRestorePlan> config_plan;
  if (with_config) {
    const fs::path archive = bk::chosen_config_archive(ctx.config().path("BACKUP_DIR"), flags.config_archive, flags.latest_config);
    config_plan = bk::plan_config_restore(archive, fs::current_path());
  }
  // The backup is chosen (and its format checked) after the config is back: it may change DB_CLIENT.
  if (flags.latest == !flags.backup.empty()) throw core::Error(core::ErrorKind::usage, "give either a backup with --backup FILE or --latest");

  if (flags.dry_run) {
    json plan = json::array();
    if (config_plan) {
      for (const auto& f : config_plan->files) {
        plan.push_back({{"step", "config"}, {"file", f.target.string()}, {"change", std::string(bk::to_string(f.change))}, {"settings", f.settings}});
      }
    }
    const auto& cfg = ctx.config();
    const auto candidates = bk::restore_candidates(cfg.path("BACKUP_DIR"), flags.backup, flags.latest, bk::backup_format_for(cfg));
    out.document({{"dry_run", true}, {"config", plan}, {"backup", candidates.front().string()},
                  {"steps", {"stop bscbotd", "restore the config archive", "restore the database (verified, migrated)", "start bscbotd",
                             "wait until /api/health is healthy"}}});
    out.line("recover would (nothing is changed with --dry-run):");
    out.line(fmt::format("  1. stop bscbotd{}", ctx.daemon().status().running() ? "" : " (not running now)"));
    if (config_plan) {
      out.line(fmt::format("  2. put back {} file(s) of {} ({} change)", config_plan->files.size(), config_plan->archive.string(),
                           config_plan->changes(flags.system)));
      for (const auto& f : config_plan->files) {
        out.line(fmt::format("       {} {}{}", bk::to_string(f.change), f.target.string(),
                             f.settings.empty() ? "" : fmt::format(" ({})", fmt::join(f.settings, ", "))));
      }
    } else {
      out.line("  2. keep the configuration as it is (no --config-archive)");
    }
    out.line(fmt::format("  3. restore {} (verified first; migrated if older)", candidates.front().string()));
    out.line("  4. start bscbotd and wait until /api/health says it is healthy");
    return 0;
  }
  if (!flags.yes) {
    if (!out.interactive()) throw core::Error(core::ErrorKind::usage, "recover replaces the configuration and the live database; confirm on a terminal or pass --yes");
    if (!out.confirm("Stop bscbotd, put the configuration and the database back from backups, and start it again?")) {
      out.line("recover cancelled; nothing was changed");
      return 1;
    }
  }

  Steps steps(out);
  {
    bk::ProcessDaemon daemon(ctx.daemon(), k_stop_timeout, k_start_timeout);
    const auto pid = daemon.running();
    if (pid) daemon.stop();
    steps.done("stop", pid ? fmt::format("stopped bscbotd (pid {})", *pid) : std::string("bscbotd was not running"));
  }
  if (config_plan) {
    const bk::ConfigStep r = bk::restore_config_step(*config_plan, flags.system, ctx.clock().now(), "skipped (--system)");
    ctx.reload_config();
    steps.done("config", r.detail);
  } else {
    steps.done("config", "kept as it is");
  }

  const auto& cfg = ctx.config();
  bk::ProcessDaemon daemon(ctx.daemon(), k_stop_timeout, k_start_timeout);
  const auto candidates = bk::restore_candidates(cfg.path("BACKUP_DIR"), flags.backup, flags.latest, bk::backup_format_for(cfg));
  ProgressBar bar(out);
  const bk::RestoreResult restored =
      bk::restore_database(cfg, candidates, daemon, ctx.clock(), [&bar](std::uintmax_t done, std::uintmax_t total) { bar.update({"verify", done, total}); });
  bar.finish();
  steps.done("database", bk::database_step_detail(restored));
  const pid_t pid = daemon.start();  // waits until /api/health says its database is usable
  steps.done("start", fmt::format("bscbotd started (pid {}) and healthy", pid));

  const std::chrono::milliseconds total = steps.total();
  const auto target = std::chrono::minutes(cfg.integer("RECOVERY_TARGET_MINUTES"));
  out.document({{"recovered", true}, {"steps", steps.to_json()}, {"total_ms", total.count()}, {"target_minutes", target.count()},
                {"within_target", total <= target}, {"backup", restored.backup.string()}, {"trades", restored.trades},
                {"pre_restore_copy", restored.pre_restore_copy ? json(restored.pre_restore_copy->string()) : json(nullptr)}, {"daemon_pid", pid}});
  out.line(fmt::format("recovered in {} (target {} min: {})", core::format_duration(total), target.count(),
                       total <= target ? "within target" : "OVER TARGET"));
  if (restored.pre_restore_copy) out.line(fmt::format("the database as it was is kept as {}", restored.pre_restore_copy->string()));
  return total <= target ? 0 : 2;
}

}  // namespace

void setup_recover(CLI::App& command, Context& ctx) {
  auto f = std::make_shared<RecoverFlags>();
  command.add_option("--config-archive", f->config_archive, "Config archive from `bscbot backup config` to put back first");
  command.add_flag("--latest-config", f->latest_config, "Put back the newest config archive of BACKUP_DIR/config");
  command.add_option("--backup", f->backup, "Database backup to restore");
  command.add_flag("--latest", f->latest, "Restore the newest backup of BACKUP_DIR that passes verification");
  command.add_flag("--system", f->system, "Also write config files from outside the deployment folder (the systemd unit)");
  command.add_flag("--dry-run", f->dry_run, "Show what would be done; change nothing");
  command.add_flag("-y,--yes", f->yes, "Do not ask for confirmation (for scripts)");
  command.footer(
      "The manual's disaster recovery in one command: stop bscbotd, restore the config archive (checked entries, modes kept, "
      "replaced files kept as *.before-restore-<time>), restore the database through the verified restore (the current one kept "
      "as its pre-restore copy, migrated if older), start bscbotd and wait until /api/health is healthy. Every step is timed; "
      "exit 0 within RECOVERY_TARGET_MINUTES, 2 over it.");
  command.callback([&ctx, f] { ctx.run = [&ctx, f] { return run_recover(ctx, *f); }; });
}

}  // namespace bscbot::cmd
