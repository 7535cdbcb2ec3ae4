#include "core/audit/audit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>

#include "core/audit/packages.hpp"
#include "core/audit/permissions.hpp"
#include "core/audit/public_url.hpp"
#include "core/audit/secrets.hpp"
#include "core/checks/backups.hpp"
#include "core/db/pg_url.hpp"
#include "core/db/store.hpp"
#include "core/error.hpp"
#include "core/process/daemon_control.hpp"
#include "core/util/wei.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::audit {

using checks::Status;

namespace {

Finding make(std::string id, std::string title) { return Finding{std::move(id), std::move(title), Status::ok, "", ""}; }

std::string where(const config::Config& cfg, std::string_view name) { return cfg.source(name).describe(); }

// Up to `max` items joined, with "and N more".
std::string listing(const std::vector<std::string>& items, std::size_t max = 10) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < max; ++i) out += (i ? "; " : "") + items[i];
  if (items.size() > max) out += fmt::format("; and {} more", items.size() - max);
  return out;
}

std::string age_text(SystemTime then, SystemTime now) {
  return format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(now - then));
}

std::string read_prefix(const fs::path& p, std::size_t max) {
  std::ifstream in(p, std::ios::binary);
  std::string s(max, '\0');
  in.read(s.data(), static_cast<std::streamsize>(max));
  s.resize(static_cast<std::size_t>(in.gcount()));
  return s;
}

bool tracked_dotenv(const fs::path& file) {
  const std::string name = file.filename().string();
  if (name == ".env") return true;
  if (name.rfind(".env.", 0) != 0) return false;
  for (const char* safe : {".example", ".sample", ".template", ".dist", ".defaults"}) {
    if (name.size() >= std::strlen(safe) && name.compare(name.size() - std::strlen(safe), std::strlen(safe), safe) == 0) return false;
  }
  return true;
}

}  // namespace

AuditEdges real_audit_edges() {
  AuditEdges edges;
  edges.clock = &system_clock();
  edges.git = git_tracked_files;
  edges.run = [](const std::vector<std::string>& argv) { return run_command(argv); };
  edges.probe = probe_http;
  edges.listeners = [] { return listening_tcp_ports(); };
  return edges;
}

Finding audit_disable_auth(const config::Config& cfg, bool production) {
  Finding f = make("disable_auth", "Authentication enabled (DISABLE_AUTH)");
  if (!cfg.boolean("DISABLE_AUTH")) {
    f.evidence = fmt::format("DISABLE_AUTH=false ({})", where(cfg, "DISABLE_AUTH"));
    return f;
  }
  f.severity = production ? Status::crit : Status::warn;
  f.evidence = fmt::format("DISABLE_AUTH=true (from {}): trading routes accept requests without a token", where(cfg, "DISABLE_AUTH"));
  f.fix = fmt::format("Remove DISABLE_AUTH from {} or set DISABLE_AUTH=false, then `bscbot daemon restart`", where(cfg, "DISABLE_AUTH"));
  return f;
}

Finding audit_jwt_secret(const config::Config& cfg, bool production) {
  Finding f = make("jwt_secret", "JWT_SECRET strength");
  const std::string& secret = cfg.text("JWT_SECRET");
  const std::string fix = "Generate a new one (`openssl rand -hex 32` gives 64 characters), put it in .env as JWT_SECRET=… "
                          "(mode 600), restart bscbotd and mint new tokens with `bscbot token`";
  if (secret.empty()) {
    f.severity = production ? Status::crit : Status::warn;
    f.evidence = "JWT_SECRET is not set";
    f.fix = fix;
    return f;
  }
  const std::size_t distinct = distinct_characters(secret);
  const std::string shape = fmt::format("{} characters, {} distinct, from {}", secret.size(), distinct, where(cfg, "JWT_SECRET"));
  if (is_placeholder(secret)) {
    f.severity = Status::crit;
    f.evidence = "a known default or template value (" + shape + "): anyone can mint tokens";
    f.fix = fix;
  } else if (secret.size() < 64) {
    f.severity = production ? Status::crit : Status::warn;
    f.evidence = shape + "; at least 64 are required";
    f.fix = fix;
  } else if (distinct < 8) {
    f.severity = Status::warn;
    f.evidence = shape + ": too repetitive to be random";
    f.fix = fix;
  } else {
    f.evidence = shape;
  }
  return f;
}

Finding audit_db_password(const config::Config& cfg, bool production) {
  Finding f = make("db_password", "Database password strength");
  std::vector<std::pair<std::string, std::string>> passwords;  // where, password
  if (cfg.is_set("DB_PASSWORD")) passwords.emplace_back("DB_PASSWORD (" + where(cfg, "DB_PASSWORD") + ")", cfg.text("DB_PASSWORD"));
  if (cfg.is_set("DATABASE_URL")) {
    const std::string p = url_password(cfg.text("DATABASE_URL"));
    if (!p.empty()) passwords.emplace_back("the password in DATABASE_URL (" + where(cfg, "DATABASE_URL") + ")", p);
  }
  if (passwords.empty()) {
    f.evidence = fmt::format("no database password configured (DB_CLIENT={}: the SQLite file is protected by its permissions)",
                             cfg.text("DB_CLIENT"));
    return f;
  }
  std::vector<std::string> evidence;
  for (const auto& [source, password] : passwords) {
    const PasswordShape shape = password_shape(password);
    if (is_placeholder(password)) {
      f.severity = checks::worse(f.severity, Status::crit);
      evidence.push_back(fmt::format("{} is a known default ({})", source, shape.describe()));
    } else if (!shape.strong()) {
      f.severity = checks::worse(f.severity, production ? Status::crit : Status::warn);
      evidence.push_back(fmt::format("{} is weak ({}; 16+ with lower, upper, digits and symbols required)", source, shape.describe()));
    } else {
      evidence.push_back(fmt::format("{}: {}", source, shape.describe()));
    }
  }
  f.evidence = listing(evidence);
  if (f.severity != Status::ok) {
    f.fix = "Set a new password on the database server (`ALTER USER … PASSWORD …`; `openssl rand -base64 24` plus a symbol) "
            "and in .env, then restart bscbotd";
  }
  return f;
}

std::vector<Finding> audit_database_server(const config::Config& cfg, bool production) {
  Finding tls = make("db_tls", "PostgreSQL connections to another host are encrypted (sslmode)");
  Finding role = make("db_role", "bscbot's database role is not a superuser");
  if (db::configured_backend(cfg) != db::Backend::pg) {
    tls.evidence = role.evidence = fmt::format("DB_CLIENT={}: an embedded database, no server connection", cfg.text("DB_CLIENT"));
    return {tls, role};
  }
  const db::PgUrl url = db::parse_pg_url(cfg.text("DATABASE_URL"));
  const std::string where_url = db::describe_pg_url(cfg.text("DATABASE_URL")) + " (" + where(cfg, "DATABASE_URL") + ")";
  const bool strict = url.sslmode && (*url.sslmode == "require" || *url.sslmode == "verify-ca" || *url.sslmode == "verify-full");
  std::optional<db::ServerFacts> facts;
  std::string unreachable;
  try {
    facts = db::open_store(cfg, db::Access::read_only)->server_facts();
  } catch (const std::exception& e) {
    unreachable = e.what();
  }
  if (db::pg_url_is_local(url)) {
    tls.evidence = where_url + " is on this machine (loopback or Unix socket): nothing crosses a network";
  } else if (!strict) {
    tls.severity = production ? Status::crit : Status::warn;
    tls.evidence = fmt::format("{} is another host and sslmode is {}{}", where_url, url.sslmode ? "'" + *url.sslmode + "'" : "not set (libpq's 'prefer' falls back to plain text)",
                               facts ? (facts->ssl ? "; this session happens to be encrypted" : "; this session is NOT encrypted") : "");
    tls.fix = "Add ?sslmode=verify-full (with the server's CA in ~/.postgresql/root.crt) or at least sslmode=require to DATABASE_URL";
  } else {
    tls.evidence = fmt::format("{} with sslmode={}{}", where_url, *url.sslmode, facts ? (facts->ssl ? "; this session is encrypted" : "") : "");
  }
  if (!facts) {
    role.severity = Status::unknown;
    role.evidence = "cannot ask the server: " + unreachable;
    role.fix = "Make the database reachable (`bscbot health`), then audit again";
  } else if (facts->superuser) {
    role.severity = production ? Status::crit : Status::warn;
    role.evidence = fmt::format("{} connects as {}, a superuser: a leaked DATABASE_URL gives away the whole server", where_url, facts->user);
    role.fix = "Create a role that owns only this database (`CREATE ROLE bscbot LOGIN PASSWORD '…'; ALTER DATABASE … OWNER TO bscbot`) "
               "and put it in DATABASE_URL";
  } else {
    role.evidence = fmt::format("connects as {}, not a superuser", facts->user);
  }
  return {tls, role};
}

Finding audit_git_secrets(const fs::path& dir, const GitLister& git) {
  Finding f = make("git_secrets", "No secrets in git-tracked files");
  const TrackedFiles tracked = git ? git(dir) : TrackedFiles{TrackedFiles::State::git_missing, {}, "no git"};
  switch (tracked.state) {
    case TrackedFiles::State::git_missing:
    case TrackedFiles::State::failed:
      f.severity = Status::unknown;
      f.evidence = "cannot list tracked files: " + tracked.error;
      f.fix = "Install git (`apt-get install git`) or run `git ls-files | xargs grep -l \"JWT_SECRET\\|DB_PASSWORD\"` by hand";
      return f;
    case TrackedFiles::State::not_a_repository:
      f.evidence = fs::weakly_canonical(fs::absolute(dir)).string() + " is not in a git work tree: nothing is tracked";
      return f;
    case TrackedFiles::State::listed: break;
  }
  std::vector<std::string> hits;
  std::size_t scanned = 0;
  for (const fs::path& rel : tracked.files) {
    const fs::path file = dir / rel;
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) continue;
    if (tracked_dotenv(rel)) {
      hits.push_back(fmt::format("{} is tracked by git", rel.string()));
      continue;
    }
    if (fs::file_size(file, ec) > 1024 * 1024) continue;
    const std::string text = read_prefix(file, 1024 * 1024);
    if (text.find('\0') != std::string::npos) continue;  // binary
    ++scanned;
    for (const SecretHit& h : find_secrets(text)) hits.push_back(fmt::format("{}:{}: {}", rel.string(), h.line, h.what));
  }
  if (hits.empty()) {
    f.evidence = fmt::format("{} tracked file(s), {} text file(s) scanned, no secret found", tracked.files.size(), scanned);
    return f;
  }
  f.severity = Status::crit;
  f.evidence = listing(hits);
  f.fix = "Remove the secrets from the files (`git rm --cached .env`, keep only placeholders in examples), rotate every "
          "secret that was committed, and purge it from history (git filter-repo) if the repository left this machine";
  return f;
}

Finding audit_cors(const config::Config& cfg, bool production) {
  Finding f = make("cors_origins", "CORS limited to production domains (CORS_ORIGINS)");
  const auto origins = cfg.list("CORS_ORIGINS");
  if (origins.empty()) {
    f.evidence = "CORS_ORIGINS is empty: no cross-origin access";
    return f;
  }
  const std::string shown = fmt::format("CORS_ORIGINS={} ({})", cfg.text("CORS_ORIGINS"), where(cfg, "CORS_ORIGINS"));
  if (!production) {
    f.evidence = shown + "; not judged outside production";
    return f;
  }
  if (std::find(origins.begin(), origins.end(), "*") != origins.end()) {
    f.severity = Status::crit;
    f.evidence = shown + ": '*' lets every web page call the API with a user's token";
  } else if (std::any_of(origins.begin(), origins.end(), [](const std::string& o) {
               return o.rfind("http://", 0) == 0 && o.find("://localhost") == std::string::npos && o.find("://127.0.0.1") == std::string::npos;
             })) {
    f.severity = Status::warn;
    f.evidence = shown + ": a plain http:// origin can be tampered with on the way";
  } else {
    f.evidence = shown;
    return f;
  }
  f.fix = "List only the production front-end origins, e.g. CORS_ORIGINS=https://app.example.com, then restart bscbotd";
  return f;
}

Finding audit_loopback_reads(const config::Config& cfg, bool production) {
  Finding f = make("loopback_reads", "Trade history and stream need a token (LOOPBACK_READS_WITHOUT_TOKEN)");
  const std::string shown = fmt::format("LOOPBACK_READS_WITHOUT_TOKEN={} ({})", cfg.text("LOOPBACK_READS_WITHOUT_TOKEN"),
                                        where(cfg, "LOOPBACK_READS_WITHOUT_TOKEN"));
  if (!cfg.boolean("LOOPBACK_READS_WITHOUT_TOKEN")) {
    f.evidence = shown + ": every read needs a token";
    return f;
  }
  if (!production) {
    f.evidence = shown + "; not judged outside production";
    return f;
  }
  f.severity = Status::warn;
  f.evidence = shown + ": any local user or process can read the trade history and the live trade stream without a token, and so "
                       "can anyone behind a reverse proxy on this host that adds no X-Forwarded-For (browsers and proxies that "
                       "say so are refused)";
  f.fix = "Set LOOPBACK_READS_WITHOUT_TOKEN=false in .env, give probes a viewer token (`bscbot token issue --role viewer "
          "--subject monitor`, sent as Authorization: Bearer), then `bscbot daemon restart`";
  return f;
}

Finding audit_log_level(const config::Config& cfg, bool production) {
  Finding f = make("log_level", "Log level warn or error in production (LOG_LEVEL)");
  const std::string& level = cfg.text("LOG_LEVEL");
  f.evidence = fmt::format("LOG_LEVEL={} ({})", level, where(cfg, "LOG_LEVEL"));
  if (!production) {
    f.evidence += "; not judged outside production";
    return f;
  }
  if (level == "debug" || level == "trace") {
    f.severity = Status::crit;
    f.evidence += ": request details and internals are written to the log";
  } else if (level == "info") {
    f.severity = Status::warn;
    f.evidence += ": every internal info line is logged";
  } else if (level == "off") {
    f.severity = Status::warn;
    f.evidence += ": no errors or 401/403 answers are logged, so nothing can be audited";
  } else {
    if (!cfg.boolean("ACCESS_LOG")) {
      f.severity = Status::warn;
      f.evidence += fmt::format("; ACCESS_LOG=false ({}): at this level no request, Price cache or ping/pong line is written, so the "
                                "manual's greps find nothing", where(cfg, "ACCESS_LOG"));
      f.fix = "Set ACCESS_LOG=true (the default) so the access lines are written at any LOG_LEVEL";
      return f;
    }
    f.evidence += "; the access lines (response_time, Price cache, ping/pong) are still written (ACCESS_LOG=true)";
    return f;
  }
  f.fix = "Set LOG_LEVEL=warn (or error) in .env and restart bscbotd; the access lines the manual greps (response_time, Price cache "
          "HIT/MISS, ping/pong) are still written, by ACCESS_LOG=true";
  return f;
}

Finding audit_secret_files(const std::vector<fs::path>& files) {
  Finding f = make("secret_files", "Secret files readable only by their owner (mode 600)");
  std::vector<std::string> problems;
  std::vector<std::string> fix_paths;
  std::size_t present = 0;
  for (const fs::path& p : files) {
    std::error_code ec;
    if (!fs::exists(p, ec)) continue;
    ++present;
    if (const auto problem = secret_file_problem(p)) {
      f.severity = checks::worse(f.severity, problem->severity);
      problems.push_back(fmt::format("{} is {} ({})", p.string(), problem->problem, problem->mode));
      fix_paths.push_back(p.string());
    }
  }
  if (problems.empty()) {
    f.evidence = present == 0 ? "no secret files present" : fmt::format("{} secret file(s), all mode 600 or stricter", present);
    return f;
  }
  f.evidence = listing(problems);
  f.fix = fmt::format("chmod 600 {}", fmt::join(fix_paths, " "));
  return f;
}

Finding audit_data_permissions(const config::Config& cfg, const fs::path& deployment_dir) {
  Finding f = make("data_permissions", "Database and folders not writable by group or others");
  const fs::path db = cfg.db_path();
  const fs::path data_dir = db.parent_path().empty() ? fs::path(".") : db.parent_path();
  std::vector<fs::path> paths = {db, db.string() + "-wal", db.string() + "-shm", data_dir, deployment_dir, cfg.log_dir()};
  std::vector<std::string> problems, files, dirs;
  std::set<fs::path> seen;
  for (const fs::path& p : paths) {
    std::error_code ec;
    const fs::path key = fs::weakly_canonical(p, ec);
    if (!seen.insert(ec ? p : key).second) continue;
    if (const auto problem = writable_problem(p)) {
      f.severity = checks::worse(f.severity, problem->severity);
      problems.push_back(fmt::format("{} is {} ({})", p.string(), problem->problem, problem->mode));
      (fs::is_directory(p, ec) ? dirs : files).push_back(p.string());
    }
  }
  if (problems.empty()) {
    f.evidence = fmt::format("{}, its WAL and the data, log and deployment folders: not writable by group or others", db.string());
    return f;
  }
  f.evidence = listing(problems);
  std::vector<std::string> fixes;
  if (!files.empty()) fixes.push_back("chmod 644 " + fmt::format("{}", fmt::join(files, " ")));
  if (!dirs.empty()) fixes.push_back("chmod 755 " + fmt::format("{}", fmt::join(dirs, " ")));
  f.fix = fmt::format("{} (or go-w where the group needs to read)", fmt::join(fixes, "; "));
  return f;
}

Finding audit_backup_permissions(const fs::path& backup_dir) {
  Finding f = make("backup_permissions", "Backups not writable by group or others");
  std::error_code ec;
  if (!fs::exists(backup_dir, ec)) {
    f.evidence = "no backup folder at " + backup_dir.string();
    return f;
  }
  const auto problems = writable_problems_below(backup_dir);
  if (problems.empty()) {
    f.evidence = backup_dir.string() + " and everything below it: not writable by group or others";
    return f;
  }
  std::vector<std::string> lines;
  for (const auto& p : problems) {
    f.severity = checks::worse(f.severity, p.severity);
    lines.push_back(fmt::format("{} is {} ({})", p.path.string(), p.problem, p.mode));
  }
  f.evidence = listing(lines);
  f.fix = fmt::format("chmod -R go-w {}", backup_dir.string());
  return f;
}

Finding audit_unauthorized(const checks::LogScan& scan, const fs::path& log_file, checks::Levels levels, bool production) {
  Finding f = make("unauthorized", "401/403 answers in the last 7 days");
  if (scan.files.empty()) {
    f.severity = production ? Status::warn : Status::ok;
    f.evidence = "no log at " + log_file.string() + (production ? ": nothing to audit" : " yet");
    if (production) f.fix = "Check LOG_DIR and that bscbotd runs with LOG_LEVEL warn or lower";
    return f;
  }
  std::vector<std::pair<std::int64_t, std::string>> sources;
  for (const auto& [address, n] : scan.unauthorized_by_address) sources.emplace_back(n, address);
  std::sort(sources.rbegin(), sources.rend());
  std::vector<std::string> top;
  for (const auto& [n, address] : sources) top.push_back(fmt::format("{} x{}", address, n));
  f.severity = checks::rising(static_cast<double>(scan.unauthorized), levels);
  f.evidence = fmt::format("{} in {} log file(s) ({}){}", scan.unauthorized, scan.files.size(), checks::rising_text(levels, ""),
                           top.empty() ? "" : "; from " + listing(top, 5));
  if (f.severity != Status::ok) {
    f.fix = "Look at the sources above: block unknown ones at the firewall (`ufw deny from ADDRESS`), fix clients with "
            "expired tokens, and rotate JWT_SECRET if a token may have leaked";
  }
  return f;
}

std::vector<Finding> audit_trades(const config::Config& cfg, AuditFacts& facts) {
  Finding large = make("large_trades", "Trades above SUSPICIOUS_AMOUNT_WEI");
  Finding modified = make("modified_trades", "Trades changed after they were completed or failed");
  const std::string& limit_text = cfg.text("SUSPICIOUS_AMOUNT_WEI");
  try {
    auto store = db::open_store(cfg, db::Access::read_only);
    constexpr int k_max = 1000;
    const Wei limit_wei = Wei::require(limit_text, "SUSPICIOUS_AMOUNT_WEI");
    const auto found = store->trades().suspicious(limit_wei, k_max);
    const U256 limit = limit_wei.value();
    std::vector<std::string> big, changed;
    for (const auto& t : found) {
      const std::string label = fmt::format("#{} {} {}", t.id, to_sql_datetime(t.created_at), t.tx_hash.value_or("(no tx)"));
      if (limit_wei < t.amount_in) big.push_back(fmt::format("{}: {} BNB", label, format_units(t.amount_in.value(), 18)));
      if (t.finalized_at && t.updated_at > *t.finalized_at) {
        changed.push_back(fmt::format("{}: {} at {}, changed at {}", label, db::to_string(t.status), to_sql_datetime(*t.finalized_at),
                                      to_sql_datetime(t.updated_at)));
      }
    }
    const std::string more = found.size() >= static_cast<std::size_t>(k_max) ? " (at least; the first 1000 were read)" : "";
    facts.large_trades = static_cast<std::int64_t>(big.size());
    facts.modified_trades = static_cast<std::int64_t>(changed.size());
    const std::string limit_bnb = format_units(limit, 18) + " BNB";
    if (big.empty()) {
      large.evidence = "no trade with amount_in above " + limit_bnb + " (compared exactly in wei)";
    } else {
      large.severity = Status::warn;
      large.evidence = fmt::format("{}{} above {}: {}", big.size(), more, limit_bnb, listing(big));
      large.fix = "Confirm each with its owner and on BscScan (tx hash); raise SUSPICIOUS_AMOUNT_WEI if such sizes are normal";
    }
    if (changed.empty()) {
      modified.evidence = "no trade changed after it was finalised (updated_at after finalized_at)";
    } else {
      modified.severity = Status::crit;
      modified.evidence = fmt::format("{}{}: {}", changed.size(), more, listing(changed));
      modified.fix = "Compare these records with the chain (tx hash, amounts) and a backup from before the change; find who "
                     "wrote to the database (`lsof` the file, review access), and restore the true values";
    }
  } catch (const std::exception& e) {
    for (Finding* f : {&large, &modified}) {
      f->severity = Status::unknown;
      f->evidence = std::string("cannot read the trades: ") + e.what();
      f->fix = "Make the database readable (`bscbot health` shows why it is not), then audit again";
    }
  }
  return {large, modified};
}

Finding audit_backup_freshness(const fs::path& backup_dir, double max_age_hours, SystemTime now, AuditFacts& facts) {
  Finding f = make("backup_freshness", "Newest good backup younger than BACKUP_MAX_AGE_HOURS");
  const auto backups = checks::find_backups(backup_dir);
  std::vector<std::pair<checks::BackupFile, std::string>> rejected;
  const auto good = checks::newest_good_backup(backups, checks::BackupDepth::quick_check, &rejected);
  std::vector<std::string> bad;
  for (const auto& [file, reason] : rejected) bad.push_back(fmt::format("{} ({})", file.path.string(), reason));
  const std::string bad_text = bad.empty() ? "" : "; newer but damaged: " + listing(bad, 5);
  const std::string fix = "Run `bscbot backup` now and install its cron line or timer (see the README)";
  if (!good) {
    f.severity = Status::crit;
    f.evidence = (backups.empty() ? "no backup (*.sqlite, *.sqlite.gz, *.sqlite.zst, *.pgdump) under " + backup_dir.string()
                                  : fmt::format("none of the {} backup(s) under {} is good", backups.size(), backup_dir.string())) +
                 bad_text;
    f.fix = fix;
    return f;
  }
  const double hours = std::chrono::duration<double>(now - good->modified).count() / 3600.0;
  facts.newest_backup = fmt::format("{}, {} old", good->path.string(), age_text(good->modified, now));
  f.evidence = fmt::format("{} ({}, {} old){}", good->path.string(), checks::bytes_text(static_cast<double>(good->bytes)),
                           age_text(good->modified, now), bad_text);
  if (hours > max_age_hours) {
    f.severity = Status::warn;
    f.evidence += fmt::format(": older than {} h", checks::number_text(max_age_hours, 0));
    f.fix = fix;
  } else if (!bad.empty()) {
    f.severity = Status::warn;
    f.fix = "Find out why the newer backups are damaged (`bscbot backup verify FILE`)";
  }
  return f;
}

Finding audit_jwt_rotation(const config::Config& cfg, double max_age_days, SystemTime now) {
  Finding f = make("jwt_rotation", "JWT_SECRET rotated within JWT_ROTATION_DAYS");
  if (!cfg.is_set("JWT_SECRET")) {
    f.evidence = "JWT_SECRET is not set";
    return f;
  }
  const auto& source = cfg.source("JWT_SECRET");
  if (source.kind != config::Source::Kind::dotenv && source.kind != config::Source::Kind::file) {
    f.evidence = fmt::format("JWT_SECRET comes from the {}; its age cannot be read here (rotate every {} days)", source.describe(),
                             checks::number_text(max_age_days, 0));
    return f;
  }
  std::error_code ec;
  const auto mtime = fs::last_write_time(source.path, ec);
  if (ec) {
    f.severity = Status::unknown;
    f.evidence = "cannot read the age of " + source.path;
    return f;
  }
  const SystemTime changed = std::chrono::time_point_cast<SystemTime::duration>(std::chrono::file_clock::to_sys(mtime));
  const double days = std::chrono::duration<double>(now - changed).count() / 86400.0;
  f.evidence = fmt::format("{} last changed {} ago", source.path, age_text(changed, now));
  if (days > max_age_days) {
    f.severity = Status::warn;
    f.fix = "Rotate JWT_SECRET (`openssl rand -hex 32`), restart bscbotd and mint new tokens; old tokens stop working";
  }
  return f;
}

AuditReport run_audit(const config::Config& cfg, const AuditOptions& options, const AuditEdges& edges) {
  AuditReport report;
  const SystemTime now = edges.clock->now();
  report.generated_at = to_iso8601(now);
  report.production = options.assume_production || cfg.production();
  report.deployment_dir = fs::weakly_canonical(fs::absolute(options.deployment_dir)).string();
  const bool prod = report.production;
  auto& out = report.findings;
  out.push_back(audit_disable_auth(cfg, prod));
  out.push_back(audit_jwt_secret(cfg, prod));
  out.push_back(audit_jwt_rotation(cfg, cfg.number("JWT_ROTATION_DAYS"), now));
  out.push_back(audit_db_password(cfg, prod));
  for (auto& f : audit_database_server(cfg, prod)) out.push_back(std::move(f));
  out.push_back(audit_git_secrets(options.deployment_dir, edges.git));
  out.push_back(audit_cors(cfg, prod));
  out.push_back(audit_loopback_reads(cfg, prod));
  out.push_back(audit_log_level(cfg, prod));

  // Files that hold secrets: .env, every config file a secret came from, the key file, and
  // configuration archives among the backups.
  std::vector<fs::path> secret_files = {options.deployment_dir / ".env"};
  for (const auto& [name, entry] : cfg.entries()) {
    const config::Setting* s = config::find_setting(name);
    if (s && s->secret && !entry.value.empty() && !entry.source.path.empty()) secret_files.emplace_back(entry.source.path);
  }
  if (cfg.is_set("TRADING_KEY_FILE")) secret_files.push_back(cfg.path("TRADING_KEY_FILE"));
  const fs::path backup_dir = cfg.path("BACKUP_DIR");
  std::error_code ec;
  if (fs::is_directory(backup_dir / "config", ec)) {
    for (auto it = fs::recursive_directory_iterator(backup_dir / "config", ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (it->is_regular_file(ec)) secret_files.push_back(it->path());
    }
  }
  std::set<fs::path> unique;
  std::vector<fs::path> deduplicated;
  for (const auto& p : secret_files) {
    if (unique.insert(fs::weakly_canonical(p, ec)).second) deduplicated.push_back(p);
  }
  out.push_back(audit_secret_files(deduplicated));
  out.push_back(audit_data_permissions(cfg, options.deployment_dir));
  out.push_back(audit_backup_permissions(backup_dir));

  const checks::LogScan scan = checks::scan_log(cfg.log_file(), to_sql_datetime(now - std::chrono::hours(24 * 7)), 0);
  out.push_back(audit_unauthorized(scan, cfg.log_file(), checks::Levels{cfg.number("UNAUTHORIZED_WARN"), cfg.number("UNAUTHORIZED_CRIT")},
                                   prod));
  if (!scan.files.empty()) report.facts.unauthorized = scan.unauthorized;
  for (auto& f : audit_trades(cfg, report.facts)) out.push_back(std::move(f));
  out.push_back(audit_backup_freshness(backup_dir, cfg.number("BACKUP_MAX_AGE_HOURS"), now, report.facts));

  // The host around the deployment: firewall, TLS in front, the packages we link with.
  out.push_back(audit_firewall(read_firewall(edges.run), edges.listeners(), static_cast<int>(cfg.integer("PORT"))));
  out.push_back(audit_public_https(cfg, prod, edges.probe, now));
  out.push_back(audit_public_redirect(cfg, prod, edges.probe));
  out.push_back(audit_daemon_exposure(cfg, prod));
  std::vector<fs::path> binaries = {process::default_bscbotd_path(cfg)};
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && self.filename() != binaries.front().filename()) binaries.push_back(self);
  out.push_back(audit_packages(edges.run, binaries, apt_lists_updated(edges.apt_lists), now));

  for (const auto& f : out) report.status = checks::worse(report.status, f.severity);
  return report;
}

nlohmann::json to_json(const AuditReport& report) {
  nlohmann::json findings = nlohmann::json::array();
  for (const auto& f : report.findings) {
    findings.push_back({{"id", f.id}, {"title", f.title}, {"severity", checks::to_string(f.severity)}, {"evidence", f.evidence}, {"fix", f.fix}});
  }
  auto opt = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  return {{"status", checks::to_string(report.status)},
          {"exit_code", checks::exit_code(report.status)},
          {"generated_at", report.generated_at},
          {"production", report.production},
          {"deployment_dir", report.deployment_dir},
          {"facts",
           {{"unauthorized_7d", opt(report.facts.unauthorized)},
            {"large_trades", opt(report.facts.large_trades)},
            {"modified_trades", opt(report.facts.modified_trades)},
            {"newest_backup", opt(report.facts.newest_backup)}}},
          {"findings", findings}};
}

}  // namespace bscbot::core::audit
