// pg_dump, pg_restore and database-level statements for PostgreSQL backups (see pg_tools.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <boost/process.hpp>
#include <cctype>
#include <iterator>
#include <thread>

#include "core/config/config.hpp"
#include "core/db/pg/pg_store.hpp"
#include "core/db/pg/store_impl.hpp"
#include "core/db/pg_tools.hpp"
#include "core/db/pg_url.hpp"

namespace bp = boost::process;
namespace fs = std::filesystem;

namespace bscbot::core::db {

namespace {

pg::ConnectSettings settings_of(const PgTarget& t) {
  pg::ConnectSettings s;
  s.url = t.url;
  s.password = t.password;
  s.dbname = t.dbname;
  s.connect_timeout = t.connect_timeout;
  // Creating a database copies a template, restoring one loads it all: no 30 s cap here.
  s.statement_timeout = std::chrono::minutes(60);
  s.application_name = "bscbot-backup";
  return s;
}

std::string first_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  const auto nl = text.find('\n');
  if (nl != std::string::npos) text = text.substr(0, nl) + " (...)";
  return text;
}

// PostgreSQL's client programs: on PATH (Debian's wrapper), else the version we build against.
boost::filesystem::path tool(const std::string& name) {
  boost::filesystem::path p = bp::search_path(name);
  if (p.empty() && boost::filesystem::exists("/usr/lib/postgresql/15/bin/" + name)) p = "/usr/lib/postgresql/15/bin/" + name;
  if (p.empty()) {
    throw Error(ErrorKind::not_found, fmt::format("{} is not installed; install postgresql-client-15 (scripts/install-deps)", name));
  }
  return p;
}

struct ToolResult {
  int exit_code = 0;
  std::string err;
};

// Runs `program args`, with the password in its environment; stdout chunks go to `sink` (or are
// discarded), stderr is collected on a thread of its own so neither pipe can fill and stall it.
ToolResult run_tool(const std::string& program, const std::vector<std::string>& args, const std::string& password,
                    const std::function<void(const char*, std::size_t)>& sink) {
  bp::environment env = boost::this_process::environment();
  if (!password.empty()) env["PGPASSWORD"] = password;
  env["PGAPPNAME"] = "bscbot-" + program;
  bp::ipstream out, err;
  bp::child child(tool(program), bp::args(args), env, bp::std_out > out, bp::std_err > err, bp::std_in < bp::null);
  ToolResult r;
  std::thread errors([&] { r.err.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>()); });
  char buffer[1 << 16];
  std::exception_ptr failed;
  while (out) {
    out.read(buffer, sizeof buffer);
    const std::streamsize n = out.gcount();
    if (n <= 0) break;
    try {
      if (sink && !failed) sink(buffer, static_cast<std::size_t>(n));
    } catch (...) {
      failed = std::current_exception();  // keep draining, so the tool ends
      child.terminate();
    }
  }
  child.wait();
  errors.join();
  if (failed) std::rethrow_exception(failed);
  r.exit_code = child.exit_code();
  return r;
}

std::string quoted(const std::string& name) { return "\"" + checked_database_name(name) + "\""; }

Error admin_error(const std::string& what, const pg::FailureError& e, const PgTarget& t) {
  const pg::Failure& f = e.failure();
  if (f.sqlstate == "42501") {
    return Error(ErrorKind::database, fmt::format("cannot {} on {}: {}; the role in DATABASE_URL needs CREATEDB and to own the database "
                                                  "(ALTER ROLE … CREATEDB)",
                                                  what, t.describe(), f.message));
  }
  return Error(f.connection_lost ? ErrorKind::unavailable : ErrorKind::database,
               fmt::format("cannot {} on {}: {}{}", what, t.describe(), f.message, f.sqlstate.empty() ? "" : " (SQLSTATE " + f.sqlstate + ")"));
}

}  // namespace

PgTarget PgTarget::with_dbname(std::string other) const {
  PgTarget t = *this;
  t.dbname = std::move(other);
  return t;
}

std::string PgTarget::url_with_dbname() const {
  if (dbname.empty()) return url;
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return url + " dbname=" + checked_database_name(dbname);  // key=value: the last one wins
  const auto path = url.find('/', scheme + 3);
  const auto query = url.find('?', scheme + 3);
  const std::string rest = query == std::string::npos ? "" : url.substr(query);
  const std::string authority = url.substr(0, std::min(path, query));
  return authority + "/" + checked_database_name(dbname) + rest;
}

std::string PgTarget::describe() const {
  std::string d = describe_pg_url(url);
  if (dbname.empty()) return d;
  const auto slash = d.rfind('/');
  return (slash != std::string::npos && slash > d.find("//") + 1 ? d.substr(0, slash) : d) + "/" + dbname;
}

PgTarget pg_target(const config::Config& cfg) {
  PgTarget t;
  t.url = cfg.text("DATABASE_URL");
  t.password = cfg.text("DB_PASSWORD");
  t.connect_timeout = std::chrono::milliseconds(cfg.integer("DB_CONNECT_TIMEOUT_MS"));
  return t;
}

std::unique_ptr<Store> open_pg_store(const PgTarget& target, Access access) { return pg::open_pg_store(settings_of(target), access, {}); }

std::string checked_database_name(const std::string& name) {
  const bool ok = !name.empty() && name.size() <= 63 && !std::isdigit(static_cast<unsigned char>(name[0])) &&
                  std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
  if (!ok) throw Error(ErrorKind::usage, fmt::format("'{}' is not a database name bscbot uses (letters, digits and _, at most 63)", name));
  return name;
}

DumpFacts dump_pg(const PgTarget& target, const std::function<void(const char*, std::size_t)>& sink) {
  DumpFacts facts;
  {
    ToolResult v;
    std::string version;
    v = run_tool("pg_dump", {"--version"}, "", [&](const char* d, std::size_t n) { version.append(d, n); });
    facts.pg_dump_version = first_line(version);
  }
  pg::Connection c(settings_of(target));
  try {
    // The snapshot is the transaction's first statement, so it is the one the facts are read in.
    c.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    c.run("SET LOCAL idle_in_transaction_session_timeout = 0");
    const std::string snapshot(c.exec("SELECT pg_export_snapshot()").text(0, 0));
    facts.stats = pg::read_stats(c, target.describe());
    facts.applied = pg::applied_names(c);
    if (!c.exec("SELECT to_regclass('trades')").is_null(0, 0)) facts.max_trade_id = c.exec("SELECT MAX(id) FROM trades").opt_integer(0, 0);
    const ToolResult r = run_tool("pg_dump", {"--format=custom", "--no-password", "--snapshot=" + snapshot, "--dbname=" + c.conninfo_without_password()},
                                  c.password(), sink);
    if (r.exit_code != 0) {
      throw Error(ErrorKind::database, fmt::format("pg_dump of {} failed (exit {}): {}", target.describe(), r.exit_code, first_line(r.err)));
    }
    c.run("COMMIT");
  } catch (const pg::FailureError& e) {
    throw admin_error("take a snapshot for pg_dump", e, target);
  }
  return facts;
}

std::vector<std::string> list_pg_archive(const fs::path& archive) {
  std::string listing;
  const ToolResult r = run_tool("pg_restore", {"--list", archive.string()}, "", [&](const char* d, std::size_t n) { listing.append(d, n); });
  if (r.exit_code != 0) {
    throw Error(ErrorKind::data, fmt::format("{} is not a readable pg_dump archive: {}", archive.string(), first_line(r.err)));
  }
  std::vector<std::string> entries;
  std::size_t start = 0;
  while (start < listing.size()) {
    std::size_t end = listing.find('\n', start);
    if (end == std::string::npos) end = listing.size();
    const std::string line = listing.substr(start, end - start);
    if (!line.empty() && line[0] != ';') entries.push_back(line);
    start = end + 1;
  }
  return entries;
}

void restore_pg_archive(const fs::path& archive, const PgTarget& target) {
  std::string conninfo, password;
  {
    pg::Connection c(settings_of(target));
    conninfo = c.conninfo_without_password();
    password = c.password();
  }
  const ToolResult r = run_tool("pg_restore",
                                {"--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges", "--no-password",
                                 "--dbname=" + conninfo, archive.string()},
                                password, {});
  if (r.exit_code != 0) {
    throw Error(ErrorKind::database, fmt::format("pg_restore of {} into {} failed (exit {}), nothing was loaded: {}", archive.string(),
                                                 target.describe(), r.exit_code, first_line(r.err)));
  }
}

PgServerAdmin::PgServerAdmin(PgTarget target) : m_target(std::move(target)) {}

namespace {

template <typename F>
auto on_maintenance(const PgTarget& target, const std::string& what, F&& f) {
  const PgTarget maintenance = target.with_dbname("postgres");
  try {
    pg::Connection c(settings_of(maintenance));
    return f(c);
  } catch (const pg::FailureError& e) {
    throw admin_error(what, e, maintenance);
  }
}

}  // namespace

bool PgServerAdmin::exists(const std::string& name) {
  return on_maintenance(m_target, "look up database " + name, [&](pg::Connection& c) {
    return c.exec("SELECT 1 FROM pg_database WHERE datname = $1", {pg::Param::of(name)}).rows() == 1;
  });
}

void PgServerAdmin::create(const std::string& name) {
  on_maintenance(m_target, "create database " + name, [&](pg::Connection& c) { return c.run("CREATE DATABASE " + quoted(name)).rows(); });
}

void PgServerAdmin::drop(const std::string& name) {
  on_maintenance(m_target, "drop database " + name, [&](pg::Connection& c) { return c.run("DROP DATABASE IF EXISTS " + quoted(name)).rows(); });
}

void PgServerAdmin::rename(const std::string& from, const std::string& to) {
  on_maintenance(m_target, fmt::format("rename database {} to {}", from, to),
                 [&](pg::Connection& c) { return c.run(fmt::format("ALTER DATABASE {} RENAME TO {}", quoted(from), quoted(to))).rows(); });
}

void PgServerAdmin::rename_together(const std::vector<std::pair<std::string, std::string>>& renames) {
  std::string what;
  for (const auto& [from, to] : renames) what += fmt::format("{}{} to {}", what.empty() ? "" : ", ", from, to);
  on_maintenance(m_target, "rename database " + what, [&](pg::Connection& c) {
    c.run("BEGIN");
    try {
      for (const auto& [from, to] : renames) c.run(fmt::format("ALTER DATABASE {} RENAME TO {}", quoted(from), quoted(to)));
      c.run("COMMIT");
    } catch (...) {
      try {
        c.run("ROLLBACK");
      } catch (const std::exception&) {
        // The connection is gone: the server rolled the transaction back with it.
      }
      throw;
    }
    return 0;
  });
}

std::vector<std::string> PgServerAdmin::names_starting(const std::string& prefix) {
  return on_maintenance(m_target, "list databases named " + prefix + "...", [&](pg::Connection& c) {
    const pg::Result r = c.exec("SELECT datname FROM pg_database WHERE left(datname, length($1)) = $1 ORDER BY datname", {pg::Param::of(prefix)});
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.text(i, 0));
    return out;
  });
}

struct PgLock::Session {
  explicit Session(const pg::ConnectSettings& settings) : connection(settings) {}
  pg::Connection connection;
};

PgLock::PgLock(const PgTarget& target, const std::string& what) {
  const PgTarget maintenance = target.with_dbname("postgres");
  try {
    auto session = std::make_unique<Session>(settings_of(maintenance));
    const pg::Result r = session->connection.exec("SELECT pg_try_advisory_lock(hashtext($1))", {pg::Param::of("bscbot " + what)});
    if (r.text(0, 0) != "t") {
      throw Error(ErrorKind::conflict, fmt::format("another bscbot holds the lock for {} on {}; wait for it to finish", what, maintenance.describe()));
    }
    m_session = std::move(session);
  } catch (const pg::FailureError& e) {
    throw admin_error("lock " + what, e, maintenance);
  }
}

// Closing the session releases the lock.
PgLock::~PgLock() = default;

int PgServerAdmin::end_sessions(const std::string& name) {
  return on_maintenance(m_target, "end the sessions on " + name, [&](pg::Connection& c) {
    return static_cast<int>(c.exec("SELECT COUNT(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                                   "WHERE datname = $1 AND pid <> pg_backend_pid() AND usename = current_user",
                                   {pg::Param::of(name)})
                                .integer(0, 0));
  });
}

std::vector<std::string> PgServerAdmin::sessions(const std::string& name) {
  return on_maintenance(m_target, "list the sessions on " + name, [&](pg::Connection& c) {
    const pg::Result r = c.exec(
        "SELECT format('%s (pid %s, %s)', usename, pid, COALESCE(NULLIF(application_name, ''), 'no name')) FROM pg_stat_activity "
        "WHERE datname = $1 AND pid <> pg_backend_pid() ORDER BY pid",
        {pg::Param::of(name)});
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.text(i, 0));
    return out;
  });
}

}  // namespace bscbot::core::db
