#include "tests/support/postgres.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "tests/support/harness.hpp"

namespace fs = std::filesystem;

namespace bscbot::test {

namespace {

const fs::path k_bin = "/usr/lib/postgresql/15/bin";
constexpr const char* k_superuser_password = "postgres-test-password";
constexpr const char* k_role = "bscbot";
constexpr const char* k_role_password = "Bscbot-test-Passw0rd!";

bool running_as_root() { return ::geteuid() == 0; }

// Runs a server program as the user that may own the data folder.
RunResult as_owner(const fs::path& exe, std::vector<std::string> args, const fs::path& cwd) {
  if (!running_as_root()) return run(exe, args, cwd, {}, std::chrono::seconds(120));
  args.insert(args.begin(), {"-u", "postgres", "--", exe.string()});
  return run("/usr/sbin/runuser", args, cwd, {}, std::chrono::seconds(120));
}

void chown_to_postgres(const fs::path& p) {
  if (!running_as_root()) return;
  const passwd* pw = ::getpwnam("postgres");
  if (!pw || ::chown(p.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
    throw std::runtime_error("cannot hand " + p.string() + " to the postgres user (is postgresql-15 installed? scripts/install-deps)");
  }
}

}  // namespace

bool testing_pg() {
  const char* v = std::getenv("BSCBOT_TEST_DB");
  return v && std::string(v) == "pg";
}

PgServer& PgServer::shared() {
  static PgServer server;
  return server;
}

PgServer::PgServer() {
  if (!fs::exists(k_bin / "initdb")) throw std::runtime_error("PostgreSQL 15 is not installed (" + (k_bin / "initdb").string() + "); run scripts/install-deps");
  std::string templ = (fs::temp_directory_path() / "bscbot-pg-XXXXXX").string();
  if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed for the PostgreSQL scratch folder");
  m_dir = templ;
  fs::permissions(m_dir, fs::perms(0755));
  chown_to_postgres(m_dir);
  {
    std::ofstream pw(m_dir / "pwfile");
    pw << k_superuser_password << "\n";
  }
  fs::permissions(m_dir / "pwfile", fs::perms(0600));
  chown_to_postgres(m_dir / "pwfile");
  const auto init = as_owner(k_bin / "initdb", {"-D", (m_dir / "data").string(), "-U", "postgres", "--pwfile=" + (m_dir / "pwfile").string(),
                                                "-A", "scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"},
                             m_dir);
  if (init.exit_code != 0) throw std::runtime_error("initdb failed: " + init.out + init.err);
  m_port = free_port();
  start();
  psql(superuser_url(), std::string("CREATE ROLE ") + k_role + " LOGIN CREATEDB PASSWORD '" + k_role_password + "'");
}

PgServer::~PgServer() {
  as_owner(k_bin / "pg_ctl", {"-D", (m_dir / "data").string(), "-m", "fast", "-w", "stop"}, m_dir);
  std::error_code ec;
  fs::remove_all(m_dir, ec);
}

void PgServer::start() {
  const std::string options = "-p " + std::to_string(m_port) + " -k " + m_dir.string() +
                              " -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
                              " -c max_connections=300 -c log_min_messages=warning";
  const auto r = as_owner(k_bin / "pg_ctl", {"-D", (m_dir / "data").string(), "-o", options, "-l", (m_dir / "server.log").string(), "-w", "-t", "60", "start"},
                          m_dir);
  if (r.exit_code != 0) throw std::runtime_error("pg_ctl start failed: " + r.out + r.err + read_text(m_dir / "server.log"));
}

void PgServer::crash() {
  const auto r = as_owner(k_bin / "pg_ctl", {"-D", (m_dir / "data").string(), "-m", "immediate", "-w", "stop"}, m_dir);
  if (r.exit_code != 0) throw std::runtime_error("pg_ctl stop -m immediate failed: " + r.out + r.err);
}

std::string PgServer::superuser_url(const std::string& name) const {
  return "postgresql://postgres:" + std::string(k_superuser_password) + "@127.0.0.1:" + std::to_string(m_port) + "/" + name;
}

std::string PgServer::create_database(const std::string& hint) {
  std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(++m_databases) + "_";
  for (char c : hint) name += (std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '_');
  name = name.substr(0, 63);
  psql(superuser_url(), "CREATE DATABASE " + name + " OWNER " + k_role);
  return "postgresql://" + std::string(k_role) + ":" + k_role_password + "@127.0.0.1:" + std::to_string(m_port) + "/" + name;
}

std::string PgServer::psql(const std::string& url, const std::string& sql) const {
  const auto r = run("/usr/bin/psql", {url, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql}, m_dir);
  if (r.exit_code != 0) throw std::runtime_error("psql failed for `" + sql + "`: " + r.err);
  std::string out = r.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace bscbot::test
