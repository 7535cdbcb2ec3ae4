// bscbot audit: the manual's pre-production checklist and weekly security audit
// (production-safety-check.sh, security-audit.sh). Replaces `grep DISABLE_AUTH .env`, the
// `node -e` JWT length check, `git ls-files | xargs grep -l "JWT_SECRET\|DB_PASSWORD"`,
// `ls -la .env data/trading-bot.sqlite`, `sudo ufw status`, `curl -I https://your-domain.com`,
// `npm audit` (here: the Debian packages bscbot links with), `grep "401\|403" | wc -l` and the
// suspicious-trades query, each as a finding with severity, evidence and fix. Exit: the worst finding (0 OK,
// 1 WARN, 2 CRIT, 3 UNKNOWN).
#include "cmd/alerting.hpp"
#include "cmd/commands.hpp"
#include "core/audit/audit.hpp"
#include "core/util/files.hpp"

namespace bscbot::cmd {

namespace {

using core::checks::Status;

struct AuditFlags {
  bool production = false;
  std::string report;
};

Tone tone_of(Status s) {
  switch (s) {
    case Status::ok: return Tone::ok;
    case Status::warn: return Tone::warn;
    case Status::crit: return Tone::bad;
    case Status::unknown: return Tone::dim;
  }
  return Tone::plain;
}

std::string summary(const core::audit::AuditReport& report) {
  int counts[4] = {};
  for (const auto& f : report.findings) ++counts[static_cast<int>(f.severity)];
  return fmt::format("AUDIT {} - {} checks: {} critical, {} warning, {} unknown, {} passed", core::checks::to_string(report.status),
                     report.findings.size(), counts[static_cast<int>(Status::crit)], counts[static_cast<int>(Status::warn)],
                     counts[static_cast<int>(Status::unknown)], counts[static_cast<int>(Status::ok)]);
}

int run_audit(Context& ctx, const AuditFlags& flags, Watched& watched) {
  const auto& cfg = ctx.config();
  core::audit::AuditOptions options;
  options.assume_production = flags.production;
  auto edges = core::audit::real_audit_edges();
  edges.clock = &ctx.clock();
  const auto report = core::audit::run_audit(cfg, options, edges);
  if (!flags.report.empty()) {
    core::atomic_write_file(flags.report, core::audit::render_markdown(report), std::filesystem::perms(0640));
  }
  auto& out = ctx.out();
  if (out.json()) {
    auto doc = core::audit::to_json(report);
    doc["report"] = flags.report.empty() ? nlohmann::json(nullptr) : nlohmann::json(flags.report);
    out.document(doc);
  } else if (out.quiet()) {
    out.line(summary(report));
  } else {
    out.line(out.paint(fmt::format("bscbot audit  {}  ({}, {})", report.generated_at, report.deployment_dir,
                                   report.production ? "judged as production" : "not production: NODE_ENV=" + cfg.text("NODE_ENV")),
                       Tone::bold));
    out.line("");
    for (const auto& f : report.findings) {
      const std::string status(core::checks::to_string(f.severity));
      out.line(fmt::format("{}  {}", out.paint(status + std::string(7 - status.size(), ' '), tone_of(f.severity)), f.title));
      out.line(fmt::format("         {}", f.evidence));
      if (!f.fix.empty()) out.line(fmt::format("         {} {}", out.paint("fix:", Tone::bold), f.fix));
    }
    out.line("");
    out.line(out.paint(summary(report), tone_of(report.status)));
  }
  if (!flags.report.empty()) out.note("report written to " + flags.report);
  std::vector<std::string> failing;
  for (const auto& f : report.findings) {
    if (f.severity == Status::crit || f.severity == Status::warn) {
      failing.push_back(f.title);
      watched.evidence.push_back(fmt::format("{} {}: {}", core::checks::to_string(f.severity), f.title, f.evidence));
    }
  }
  watched.severity = report.status == Status::crit ? core::notify::Severity::high : core::notify::Severity::medium;
  watched.failure = fmt::format("{} finding(s): {}", failing.size(), fmt::join(failing, "; "));
  return core::checks::exit_code(report.status);
}

// A production deployment that fails the pre-production checklist must not wait for a reader of
// the weekly report.
int watched_audit(Context& ctx, const AuditFlags& flags) {
  Watched w{"command.audit_production", "bscbot audit --production", core::notify::Severity::high,
            "bscbot audit --production (each finding names its fix)", "", {}};
  if (!flags.production && !ctx.config().production()) return run_audit(ctx, flags, w);
  return run_watched(ctx, w, [&] { return run_audit(ctx, flags, w); });
}

}  // namespace

void setup_audit(CLI::App& command, Context& ctx) {
  auto flags = std::make_shared<AuditFlags>();
  command.add_flag("--production", flags->production,
                   "Judge as NODE_ENV=production (the pre-production checklist, before NODE_ENV is set)");
  command.add_option("--report", flags->report, "Also write the findings as a Markdown report to FILE");
  command.footer(
      "Findings: disable_auth, jwt_secret, jwt_rotation, db_password, db_tls, db_role, git_secrets, cors_origins, "
      "loopback_reads, log_level, secret_files, data_permissions, backup_permissions, unauthorized, large_trades, modified_trades, "
      "backup_freshness, firewall, public_https, public_redirect, daemon_exposure, package_upgrades. Run as root to read the "
      "firewall rules. Exit status: the worst finding, 0 OK, 1 WARN, 2 CRIT, 3 UNKNOWN.");
  command.callback([&ctx, flags] { ctx.run = [&ctx, flags] { return watched_audit(ctx, *flags); }; });
}

}  // namespace bscbot::cmd
