#pragma once
// `bscbot audit`: the manual's pre-production checklist and weekly security audit
// (production-safety-check.sh, security-audit.sh) as findings, each with a severity, the
// evidence seen (secrets never shown) and the fix. The exit code is the worst severity.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/audit/command_runner.hpp"
#include "core/audit/finding.hpp"
#include "core/audit/firewall.hpp"
#include "core/audit/git_files.hpp"
#include "core/audit/http_probe.hpp"
#include "core/checks/log_scan.hpp"
#include "core/checks/status.hpp"
#include "core/config/config.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::audit {

// The numbers of the manual's report summary.
struct AuditFacts {
  std::optional<std::int64_t> unauthorized;      // 401/403 answers in the last 7 days
  std::optional<std::int64_t> large_trades;      // amount_in above SUSPICIOUS_AMOUNT_WEI
  std::optional<std::int64_t> modified_trades;   // changed after completion
  std::optional<std::string> newest_backup;      // "backups/daily/db_….sqlite, 3h 5m old"
};

struct AuditReport {
  std::vector<Finding> findings;
  checks::Status status = checks::Status::ok;
  std::string generated_at;                      // ISO 8601 UTC
  bool production = false;
  std::string deployment_dir;
  AuditFacts facts;
};

struct AuditOptions {
  // Judge as NODE_ENV=production even before it is set: the pre-production checklist.
  bool assume_production = false;
  std::filesystem::path deployment_dir = ".";
};

// The outside world the audit reads, so unit tests can replace each part.
struct AuditEdges {
  const Clock* clock = nullptr;
  GitLister git;
  CommandRunner run;                                   // nft, iptables, ufw, ldd, dpkg, apt-cache
  HttpProber probe;                                    // PUBLIC_URL and its http:// form
  ListenerLister listeners;                            // listening TCP sockets
  std::filesystem::path apt_lists = "/var/lib/apt/lists";
};

// The system clock, the real git and tools on PATH, libcurl and /proc.
AuditEdges real_audit_edges();

// Runs every finding; never throws for a failing check (its finding says so).
AuditReport run_audit(const config::Config& cfg, const AuditOptions& options, const AuditEdges& edges);

// DISABLE_AUTH must not be true (CRIT in production, WARN elsewhere).
Finding audit_disable_auth(const config::Config& cfg, bool production);

// JWT_SECRET set, at least 64 characters, not a known default or placeholder, and not
// repetitive (at least 8 distinct characters).
Finding audit_jwt_secret(const config::Config& cfg, bool production);

// When a database password is configured (DB_PASSWORD or in DATABASE_URL): 16+ characters
// with lower and upper case, digits and symbols, and not a known default.
Finding audit_db_password(const config::Config& cfg, bool production);

// On PostgreSQL: sslmode for a server on another host (db_tls) and a role that is not a superuser
// (db_role), asked of the server itself; OK for SQLite.
std::vector<Finding> audit_database_server(const config::Config& cfg, bool production);

// No secrets in files git tracks in the deployment folder (and no tracked .env at all).
Finding audit_git_secrets(const std::filesystem::path& dir, const GitLister& git);

// CORS_ORIGINS without '*' (and without plain http://) in production.
Finding audit_cors(const config::Config& cfg, bool production);

// LOOPBACK_READS_WITHOUT_TOKEN=false in production (WARN while it is true): token-less reads are
// open to every local user and process, and to a reverse proxy on the host that adds no
// X-Forwarded-For.
Finding audit_loopback_reads(const config::Config& cfg, bool production);

// LOG_LEVEL warn or error in production (debug and trace log too much, off leaves no trail).
Finding audit_log_level(const config::Config& cfg, bool production);

// .env, every config file that supplies a secret, the trading key file and config archives:
// mode 600.
Finding audit_secret_files(const std::vector<std::filesystem::path>& files);

// The database, its WAL and folder, and the deployment folder: not writable by group or others.
Finding audit_data_permissions(const config::Config& cfg, const std::filesystem::path& deployment_dir);

// Backups and their folders: not writable by group or others.
Finding audit_backup_permissions(const std::filesystem::path& backup_dir);

// 401/403 answers in the last 7 days against UNAUTHORIZED_WARN / UNAUTHORIZED_CRIT.
Finding audit_unauthorized(const checks::LogScan& scan, const std::filesystem::path& log_file, checks::Levels levels,
                           bool production);

// Trades above SUSPICIOUS_AMOUNT_WEI (exact on wei; WARN) and trades changed after they were
// completed or failed (CRIT), as two findings.
std::vector<Finding> audit_trades(const config::Config& cfg, AuditFacts& facts);

// The newest good backup under BACKUP_DIR is younger than BACKUP_MAX_AGE_HOURS.
Finding audit_backup_freshness(const std::filesystem::path& backup_dir, double max_age_hours, SystemTime now,
                               AuditFacts& facts);

// The manual's "Rotate JWT_SECRET if > 90 days old", judged by the age of the file it comes from.
Finding audit_jwt_rotation(const config::Config& cfg, double max_age_days, SystemTime now);

// The --json document.
nlohmann::json to_json(const AuditReport& report);

// The Markdown report (--report FILE), shaped like the manual's security-audit report.
std::string render_markdown(const AuditReport& report);

}  // namespace bscbot::core::audit
