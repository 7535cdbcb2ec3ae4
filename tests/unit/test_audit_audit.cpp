#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>
#include <sys/stat.h>

#include "core/audit/audit.hpp"
#include "core/audit/permissions.hpp"
#include "core/db/database.hpp"
#include "core/db/migrations.hpp"
#include "tests/support/postgres.hpp"
#include "tests/support/scratch.hpp"
#include "tests/support/stores.hpp"

using namespace bscbot::core;
using namespace bscbot::core::audit;
using checks::Status;
using bscbot::test::Scratch;
namespace fs = std::filesystem;

namespace {

const std::string k_strong_jwt = "Vb8kQ2xN5mR7tW1zL4pJ9sD3fG6hY0uE2aC5vB8nM1qX4wZ7rT0yU3iO6pL9kJ2h";

// A deployment folder with bscbot.yaml and .env as given; paths point into the scratch folder.
config::Config load(const Scratch& s, const std::string& yaml, const std::string& dotenv) {
  s.write("bscbot.yaml", yaml);
  s.write(".env", dotenv);
  ::chmod((s / ".env").c_str(), 0600);
  config::LoadOptions o;
  o.config_file = s / "bscbot.yaml";
  o.dotenv_file = s / ".env";
  o.overrides = {{"DATA_DIR", (s / "data").string()},
                 {"LOG_DIR", (s / "logs").string()},
                 {"BACKUP_DIR", (s / "backups").string()}};
  return config::load(o);
}

TrackedFiles listing(std::vector<fs::path> files) { return TrackedFiles{TrackedFiles::State::listed, std::move(files), ""}; }

}  // namespace

TEST_CASE("audit: DISABLE_AUTH is CRIT in production, WARN elsewhere, OK when false") {
  Scratch s("audit-auth");
  CHECK(audit_disable_auth(load(s, "", "DISABLE_AUTH=false\n"), true).severity == Status::ok);
  const auto cfg = load(s, "", "DISABLE_AUTH=true\n");
  CHECK(audit_disable_auth(cfg, true).severity == Status::crit);
  CHECK(audit_disable_auth(cfg, false).severity == Status::warn);
  CHECK(audit_disable_auth(cfg, true).fix.find(".env") != std::string::npos);
}

TEST_CASE("audit: JWT_SECRET unset, short, default, repetitive or strong") {
  Scratch s("audit-jwt");
  CHECK(audit_jwt_secret(load(s, "", ""), true).severity == Status::crit);
  CHECK(audit_jwt_secret(load(s, "", ""), false).severity == Status::warn);
  CHECK(audit_jwt_secret(load(s, "", "JWT_SECRET=abcdefghij0123456789\n"), true).severity == Status::crit);
  CHECK(audit_jwt_secret(load(s, "", "JWT_SECRET=abcdefghij0123456789\n"), false).severity == Status::warn);
  const auto def = audit_jwt_secret(load(s, "", "JWT_SECRET=your-256-bit-secret\n"), false);
  CHECK(def.severity == Status::crit);
  CHECK(def.evidence.find("known default") != std::string::npos);
  CHECK(def.evidence.find("your-256") == std::string::npos);  // never the secret itself
  CHECK(audit_jwt_secret(load(s, "", "JWT_SECRET=" + std::string(64, 'a') + "\n"), true).severity == Status::warn);
  const auto ok = audit_jwt_secret(load(s, "", "JWT_SECRET=" + k_strong_jwt + "\n"), true);
  CHECK(ok.severity == Status::ok);
  CHECK(ok.evidence.find("64 characters") != std::string::npos);
}

TEST_CASE("audit: database passwords are judged only when configured") {
  Scratch s("audit-dbpw");
  CHECK(audit_db_password(load(s, "", ""), true).severity == Status::ok);
  CHECK(audit_db_password(load(s, "", "DB_PASSWORD=postgres1\n"), true).severity == Status::crit);
  CHECK(audit_db_password(load(s, "", "DB_PASSWORD=postgres1\n"), false).severity == Status::warn);
  CHECK(audit_db_password(load(s, "", "DB_PASSWORD=password\n"), false).severity == Status::crit);
  CHECK(audit_db_password(load(s, "", "DB_PASSWORD=Zq8#pLr2!vW9@tK4x\n"), true).severity == Status::ok);
  const auto url = audit_db_password(load(s, "", "DATABASE_URL=postgresql://bot:weak@db:5432/bsc\n"), true);
  CHECK(url.severity == Status::crit);
  CHECK(url.evidence.find("DATABASE_URL") != std::string::npos);
  CHECK(url.evidence.find("weak (") != std::string::npos);
}

TEST_CASE("audit: secrets in tracked files and a tracked .env are CRIT; placeholders pass") {
  Scratch s("audit-git");
  s.write(".env.example", "JWT_SECRET=your-secret-key\nDB_PASSWORD=\n");
  s.write("deploy/app.env", "JWT_SECRET=" + k_strong_jwt + "\n");
  s.write(".env", "JWT_SECRET=" + k_strong_jwt + "\n");
  CHECK(audit_git_secrets(s.path(), [](const fs::path&) { return listing({".env.example"}); }).severity == Status::ok);
  const auto found = audit_git_secrets(s.path(), [](const fs::path&) { return listing({".env.example", "deploy/app.env", ".env"}); });
  CHECK(found.severity == Status::crit);
  CHECK(found.evidence.find("deploy/app.env:1: JWT_SECRET assignment") != std::string::npos);
  CHECK(found.evidence.find(".env is tracked by git") != std::string::npos);
  CHECK(found.evidence.find(k_strong_jwt) == std::string::npos);
  CHECK(audit_git_secrets(s.path(), [](const fs::path&) { return TrackedFiles{TrackedFiles::State::not_a_repository, {}, ""}; }).severity ==
        Status::ok);
  CHECK(audit_git_secrets(s.path(), [](const fs::path&) { return TrackedFiles{TrackedFiles::State::git_missing, {}, "no git"}; }).severity ==
        Status::unknown);
}

TEST_CASE("audit: CORS and LOG_LEVEL are judged in production") {
  Scratch s("audit-cors");
  CHECK(audit_cors(load(s, "", "CORS_ORIGINS=*\n"), true).severity == Status::crit);
  CHECK(audit_cors(load(s, "", "CORS_ORIGINS=*\n"), false).severity == Status::ok);
  CHECK(audit_cors(load(s, "", "CORS_ORIGINS=http://app.example.com\n"), true).severity == Status::warn);
  CHECK(audit_cors(load(s, "", "CORS_ORIGINS=https://app.example.com,http://localhost:3000\n"), true).severity == Status::ok);
  CHECK(audit_cors(load(s, "", ""), true).severity == Status::ok);
  CHECK(audit_log_level(load(s, "", "LOG_LEVEL=debug\n"), true).severity == Status::crit);
  CHECK(audit_log_level(load(s, "", "LOG_LEVEL=info\n"), true).severity == Status::warn);
  CHECK(audit_log_level(load(s, "", "LOG_LEVEL=warn\n"), true).severity == Status::ok);
  CHECK(audit_log_level(load(s, "", "LOG_LEVEL=debug\n"), false).severity == Status::ok);
}

TEST_CASE("audit: permissions of secret files, the database and backups") {
  Scratch s("audit-perms");
  const auto env = s.write("secrets.env", "JWT_SECRET=x\n");
  ::chmod(env.c_str(), 0600);
  CHECK(audit_secret_files({env, s / "absent"}).severity == Status::ok);
  ::chmod(env.c_str(), 0640);
  CHECK(audit_secret_files({env}).severity == Status::warn);
  ::chmod(env.c_str(), 0644);
  const auto world = audit_secret_files({env});
  CHECK(world.severity == Status::crit);
  CHECK(world.evidence.find("readable by others (0644)") != std::string::npos);
  CHECK(world.fix == "chmod 600 " + env.string());

  const auto cfg = load(s, "", "");
  fs::create_directories(s / "data");
  fs::create_directories(s / "logs");
  ::chmod(s.path().c_str(), 0755);
  ::chmod((s / "data").c_str(), 0755);
  ::chmod((s / "logs").c_str(), 0755);
  bscbot::test::sqlite_file_store(cfg.db_path());
  ::chmod(cfg.db_path().c_str(), 0644);
  CHECK(audit_data_permissions(cfg, s.path()).severity == Status::ok);
  ::chmod(cfg.db_path().c_str(), 0666);
  const auto writable = audit_data_permissions(cfg, s.path());
  CHECK(writable.severity == Status::crit);
  CHECK(writable.evidence.find("writable by others") != std::string::npos);
  ::chmod(cfg.db_path().c_str(), 0664);
  CHECK(audit_data_permissions(cfg, s.path()).severity == Status::warn);
  ::chmod(cfg.db_path().c_str(), 0644);
  ::chmod((s / "data").c_str(), 01777);  // sticky: only owners replace files
  CHECK(audit_data_permissions(cfg, s.path()).severity == Status::warn);
  ::chmod((s / "data").c_str(), 0755);

  CHECK(audit_backup_permissions(s / "backups").severity == Status::ok);  // none yet
  s.write("backups/daily/db_1.sqlite", "x");
  ::chmod((s / "backups").c_str(), 0755);
  ::chmod((s / "backups/daily").c_str(), 0755);
  ::chmod((s / "backups/daily/db_1.sqlite").c_str(), 0644);
  CHECK(audit_backup_permissions(s / "backups").severity == Status::ok);
  ::chmod((s / "backups/daily/db_1.sqlite").c_str(), 0646);
  CHECK(audit_backup_permissions(s / "backups").severity == Status::crit);
}

TEST_CASE("audit: 401/403 answers of the last week against UNAUTHORIZED levels") {
  Scratch s("audit-401");
  const checks::Levels levels{50, 500};
  checks::LogScan scan;
  scan.files = {s / "api-server.log"};
  scan.unauthorized = 12;
  scan.unauthorized_by_address = {{"10.0.0.9", 10}, {"10.0.0.8", 2}};
  const auto ok = audit_unauthorized(scan, s / "api-server.log", levels, true);
  CHECK(ok.severity == Status::ok);
  CHECK(ok.evidence.find("10.0.0.9 x10; 10.0.0.8 x2") != std::string::npos);
  scan.unauthorized = 50;
  CHECK(audit_unauthorized(scan, s / "api-server.log", levels, true).severity == Status::warn);
  scan.unauthorized = 501;
  CHECK(audit_unauthorized(scan, s / "api-server.log", levels, true).severity == Status::crit);
  CHECK(audit_unauthorized(checks::LogScan{}, s / "api-server.log", levels, true).severity == Status::warn);
  CHECK(audit_unauthorized(checks::LogScan{}, s / "api-server.log", levels, false).severity == Status::ok);
}

TEST_CASE("audit: suspicious trades compare amounts exactly and catch edits after completion") {
  Scratch s("audit-trades");
  const auto cfg = load(s, "", "");
  {
    auto store = bscbot::test::sqlite_file_store(cfg.db_path());
    auto insert = [&](const std::string& amount) {
      store->query_rows("INSERT INTO trades (wallet_address, token_in, token_out, amount_in, status, finalized_at) VALUES "
               "('0x1111111111111111111111111111111111111111', 'a', 'b', '" + amount + "', 'completed', datetime('now'))");
    };
    insert("1000000000000000000000");   // exactly the limit: not above
    insert("999999999999999999999");    // below
    AuditFacts none;
    const auto clean = audit_trades(cfg, none);
    CHECK(clean[0].severity == Status::ok);
    CHECK(clean[1].severity == Status::ok);
    insert("1000000000000000000001");   // one wei above: found, though REAL would round it to the limit
    store->query_rows("UPDATE trades SET amount_in = '2', updated_at = datetime('now', '+1 hour') WHERE id = 2");
  }
  AuditFacts facts;
  const auto findings = audit_trades(cfg, facts);
  CHECK(findings[0].id == "large_trades");
  CHECK(findings[0].severity == Status::warn);
  CHECK(findings[0].evidence.find("1000.000000000000000001 BNB") != std::string::npos);
  CHECK(findings[1].id == "modified_trades");
  CHECK(findings[1].severity == Status::crit);
  CHECK(findings[1].evidence.find("#2 ") != std::string::npos);
  CHECK(facts.large_trades == 1);
  CHECK(facts.modified_trades == 1);

  Scratch empty("audit-trades-missing");
  AuditFacts f2;
  CHECK(audit_trades(load(empty, "", ""), f2)[0].severity == Status::unknown);
}

TEST_CASE("audit: backup freshness against BACKUP_MAX_AGE_HOURS") {
  Scratch s("audit-backups");
  const auto now = system_clock().now();
  AuditFacts facts;
  CHECK(audit_backup_freshness(s / "backups", 24, now, facts).severity == Status::crit);
  {
    fs::create_directories(s / "backups/daily");
    SQLite::Database db((s / "backups/daily/db_1.sqlite").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE trades (id INTEGER)");
  }
  const auto fresh = audit_backup_freshness(s / "backups", 24, now, facts);
  CHECK(fresh.severity == Status::ok);
  REQUIRE(facts.newest_backup);
  CHECK(facts.newest_backup->find("db_1.sqlite") != std::string::npos);
  fs::last_write_time(s / "backups/daily/db_1.sqlite", fs::file_time_type::clock::now() - std::chrono::hours(30));
  CHECK(audit_backup_freshness(s / "backups", 24, now, facts).severity == Status::warn);
  // A newer backup that is damaged does not count, and is named.
  s.write("backups/daily/db_2.sqlite", "truncated garbage, not a database file............");
  const auto damaged = audit_backup_freshness(s / "backups", 24, now, facts);
  CHECK(damaged.severity == Status::warn);
  CHECK(damaged.evidence.find("db_2.sqlite (not an SQLite database") != std::string::npos);
}

TEST_CASE("audit: JWT rotation by the age of the file the secret comes from") {
  Scratch s("audit-rotation");
  const auto cfg = load(s, "", "JWT_SECRET=" + k_strong_jwt + "\n");
  const auto now = system_clock().now();
  CHECK(audit_jwt_rotation(cfg, 90, now).severity == Status::ok);
  fs::last_write_time(s / ".env", fs::file_time_type::clock::now() - std::chrono::hours(24 * 100));
  const auto old = audit_jwt_rotation(cfg, 90, system_clock().now());
  CHECK(old.severity == Status::warn);
  CHECK_MESSAGE(old.evidence.find("100d") != std::string::npos, old.evidence);
}

TEST_CASE("audit: token-less loopback reads warn in production only") {
  Scratch s("audit-loopback");
  CHECK(audit_loopback_reads(load(s, "", ""), /*production=*/true).severity == Status::warn);
  CHECK(audit_loopback_reads(load(s, "", ""), /*production=*/true).fix.find("LOOPBACK_READS_WITHOUT_TOKEN=false") != std::string::npos);
  CHECK(audit_loopback_reads(load(s, "", ""), /*production=*/false).severity == Status::ok);
  const auto off = audit_loopback_reads(load(s, "", "LOOPBACK_READS_WITHOUT_TOKEN=false\n"), /*production=*/true);
  CHECK(off.severity == Status::ok);
  CHECK(off.evidence.find("every read needs a token") != std::string::npos);
}

TEST_CASE("audit: a whole run reports the worst finding and renders the manual's report") {
  Scratch s("audit-run");
  const auto cfg = load(s, "", "JWT_SECRET=changeme\nCORS_ORIGINS=*\n");
  AuditOptions options;
  options.assume_production = true;
  options.deployment_dir = s.path();
  AuditEdges edges;
  edges.clock = &system_clock();
  edges.git = [](const fs::path&) { return TrackedFiles{TrackedFiles::State::not_a_repository, {}, ""}; };
  // A host without firewall tools, ldd or apt; nothing listens and no server answers.
  edges.run = [](const std::vector<std::string>& argv) { return CommandOutput{false, -1, "", argv.front() + " is not installed"}; };
  edges.listeners = [] { return std::vector<ListeningPort>{}; };
  edges.probe = [](const ProbeRequest&) { return ProbeAnswer{}; };
  const auto report = run_audit(cfg, options, edges);
  CHECK(report.status == Status::crit);
  CHECK(report.production);
  CHECK(report.findings.size() == 22);
  const std::string md = render_markdown(report);
  CHECK(md.find("# Security Audit Report") != std::string::npos);
  CHECK(md.find("| CRIT | JWT_SECRET strength |") != std::string::npos);
  CHECK(md.find("| CRIT | CORS limited") != std::string::npos);
  CHECK(md.find("changeme") == std::string::npos);
  CHECK(md.find("| UNKNOWN | Firewall: only 22 and 10001 open to the network | cannot read the firewall rules") != std::string::npos);
  CHECK(md.find("| UNKNOWN | Debian packages bscbot links with have no pending upgrades | ldd is not installed") != std::string::npos);
  CHECK(md.find("not checked by bscbot") == std::string::npos);
  const auto doc = to_json(report);
  CHECK(doc["exit_code"] == 2);
  CHECK(doc["findings"].size() == 22);
}

TEST_CASE("audit: a PostgreSQL server on another host needs TLS, and bscbot's role must not be a superuser") {
  Scratch s("audit-pg");
  bscbot::test::PgServer& server = bscbot::test::PgServer::shared();
  auto findings_for = [&](const std::string& url, bool production) {
    const auto cfg = load(s, "", "DB_CLIENT=pg\nDB_CONNECT_TIMEOUT_MS=1000\nDATABASE_URL=" + url + "\n");
    const auto f = audit_database_server(cfg, production);
    REQUIRE(f.size() == 2);
    CHECK(f[0].id == "db_tls");
    CHECK(f[1].id == "db_role");
    for (const Finding& x : f) CHECK(x.evidence.find("s3cret") == std::string::npos);
    return f;
  };

  // The unprivileged owner on loopback: both pass, and say why.
  auto f = findings_for(server.create_database("audit"), true);
  CHECK(f[0].severity == Status::ok);
  CHECK(f[0].evidence.find("on this machine") != std::string::npos);
  CHECK(f[1].severity == Status::ok);
  CHECK(f[1].evidence.find("connects as bscbot, not a superuser") != std::string::npos);

  // The superuser: CRIT in production, WARN elsewhere, with a fix.
  f = findings_for(server.superuser_url(), true);
  CHECK(f[1].severity == Status::crit);
  CHECK(f[1].evidence.find("postgres, a superuser") != std::string::npos);
  CHECK(f[1].fix.find("CREATE ROLE") != std::string::npos);
  CHECK(findings_for(server.superuser_url(), false)[1].severity == Status::warn);

  // Another host without sslmode: plain text is possible; the server cannot be asked.
  f = findings_for("postgresql://bscbot:s3cret@db.invalid:5432/bscbot", true);
  CHECK(f[0].severity == Status::crit);
  CHECK(f[0].evidence.find("sslmode is not set") != std::string::npos);
  CHECK(f[0].fix.find("sslmode=verify-full") != std::string::npos);
  CHECK(f[1].severity == Status::unknown);
  CHECK(f[1].evidence.find("cannot ask the server") != std::string::npos);
  CHECK(findings_for("postgresql://bscbot:s3cret@db.invalid:5432/bscbot", false)[0].severity == Status::warn);
  CHECK(findings_for("postgresql://bscbot:s3cret@db.invalid:5432/bscbot?sslmode=verify-full", true)[0].severity == Status::ok);
}

TEST_CASE("audit: on SQLite the database-server findings say there is no server") {
  Scratch s("audit-sqlite-server");
  const auto f = audit_database_server(load(s, "", "DB_CLIENT=sqlite\n"), true);
  REQUIRE(f.size() == 2);
  CHECK(f[0].severity == Status::ok);
  CHECK(f[1].severity == Status::ok);
  CHECK(f[0].evidence.find("embedded database") != std::string::npos);
}
