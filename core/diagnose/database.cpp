// Problem 2 of the manual, "Database connection error / database locked":
// `PRAGMA integrity_check`, `lsof data/trading-bot.sqlite`, `ls -la`, and the remedies
// (release the lock, fix permissions, restore from a backup). The daemon's own view (state,
// pool, connection errors) is backend-neutral; the file-level probe is the backend's.
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "core/checks/database_checks.hpp"
#include "core/db/diagnostics.hpp"
#include "core/db/store.hpp"
#include "core/diagnose/checks.hpp"
#include "core/diagnose/system.hpp"
#include "core/metrics/exposition.hpp"
#include "core/util/units.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::diagnose {

namespace {

// A WAL far beyond SQLite's automatic checkpoint (1000 pages, ~4 MB) means checkpoints cannot
// finish: some reader keeps an old snapshot open.
constexpr std::uintmax_t k_wal_warn_bytes = 64ull * 1024 * 1024;

Finding from_check(const checks::CheckResult& r, std::string fix) {
  Finding f{r.status, fmt::format("{}: {}", r.name, r.value), {}, r.status == Status::ok ? "" : std::move(fix)};
  if (!r.detail.empty()) f.evidence.push_back(r.detail);
  return f;
}

std::string mode_text(mode_t m) { return fmt::format("{:04o}", m & 07777); }

class SqliteProbe final : public DatabaseProbe {
public:
  std::vector<Finding> probe(const Context& c) const override {
    std::vector<Finding> out;
    const fs::path db = c.cfg.db_path();
    std::error_code ec;
    if (!fs::exists(db, ec)) {
      out.push_back({Status::crit, fmt::format("the database file {} does not exist", db.string()), {},
                     "bscbot restore --latest (from the newest good backup), or `bscbot init` for a new deployment"});
      return out;
    }
    permissions(c, db, out);
    locks(c, db, out);
    wal(db, out);
    return out;
  }

private:
  // Who should own the files: the user bscbotd runs as, else the one running diagnose.
  static unsigned expected_uid(const Context& c) {
    if (const auto pid = daemon_pid(c)) {
      if (const auto info = process_info(c.edges.proc_root, *pid); info && info->uid) return *info->uid;
    }
    return ::geteuid();
  }

  static void permissions(const Context& c, const fs::path& db, std::vector<Finding>& out) {
    const unsigned uid = expected_uid(c);
    const std::string who = uid == ::geteuid() ? "this user" : fmt::format("bscbotd's user (uid {})", uid);
    std::vector<std::string> evidence, problems;
    std::string fix;
    auto look = [&](const fs::path& file, bool must_exist) {
      struct stat st {};
      if (::stat(file.c_str(), &st) != 0) {
        if (must_exist) problems.push_back(fmt::format("{} cannot be read", file.string()));
        return;
      }
      evidence.push_back(fmt::format("{}: mode {}, owner uid {}", file.string(), mode_text(st.st_mode), st.st_uid));
      if (st.st_uid != uid) {
        problems.push_back(fmt::format("{} belongs to uid {}, not {}", file.filename().string(), st.st_uid, who));
        fix = fmt::format("chown {}:{} {}*", uid, uid, db.string());
      }
      const mode_t owner_rw = S_IRUSR | S_IWUSR;
      if ((st.st_mode & owner_rw) != owner_rw && st.st_uid == uid) {
        problems.push_back(fmt::format("{} is not readable and writable by its owner (mode {})", file.filename().string(), mode_text(st.st_mode)));
        if (fix.empty()) fix = fmt::format("chmod 644 {} (the manual's fix; 600 keeps others out)", file.string());
      }
    };
    look(db, true);
    look(db.string() + "-wal", false);
    look(db.string() + "-shm", false);
    const fs::path dir = db.parent_path().empty() ? fs::path(".") : db.parent_path();
    if (uid == ::geteuid() && ::access(dir.c_str(), W_OK) != 0) {
      problems.push_back(fmt::format("the folder {} is not writable: SQLite cannot create its -wal and -shm files", dir.string()));
      if (fix.empty()) fix = fmt::format("chmod u+w {}", dir.string());
    }
    if (problems.empty()) {
      out.push_back({Status::ok, fmt::format("permissions and owner fit {}", who), evidence, ""});
    } else {
      Finding f{Status::crit, fmt::format("permissions: {}", join_some(problems)), evidence, fix};
      out.push_back(std::move(f));
    }
  }

  static void locks(const Context& c, const fs::path& db, std::vector<Finding>& out) {
    std::map<std::string, FileId> files;
    for (const auto& [role, path] : db::sqlite_lock_files(db)) {
      if (const auto id = file_id(path)) files[role] = *id;
    }
    std::vector<FileLock> all;
    if (const auto text = c.edges.proc->read("locks")) all = parse_proc_locks(*text);
    struct Holder {
      std::vector<std::string> meanings;
      bool blocks = false;
      bool waiting = false;
    };
    std::map<pid_t, Holder> holders;
    for (const FileLock& l : all) {
      for (const auto& [role, id] : files) {
        if (l.inode != id.inode || l.major != id.major || l.minor != id.minor) continue;
        Holder& h = holders[l.pid];
        const db::FileLockRange range{l.access == "WRITE", l.start, l.end};
        const std::string meaning = (l.waiting ? "waits: " : "") + db::sqlite_lock_meaning(role, range);
        if (std::find(h.meanings.begin(), h.meanings.end(), meaning) == h.meanings.end()) h.meanings.push_back(meaning);
        if (!l.waiting && db::sqlite_lock_blocks_writers(role, range)) h.blocks = true;
        if (l.waiting) h.waiting = true;
      }
    }
    std::vector<std::string> evidence;
    std::vector<std::pair<pid_t, std::string>> blockers;
    for (const auto& [pid, h] : holders) {
      const auto info = pid > 0 ? process_info(c.edges.proc_root, pid) : std::nullopt;
      const std::string who = info ? info->describe() : fmt::format("{} (not visible)", pid);
      evidence.push_back(fmt::format("pid {}: {}", who, fmt::format("{}", fmt::join(h.meanings, "; "))));
      if (h.blocks && !(info && info->comm == "bscbotd")) blockers.emplace_back(pid, who);
    }
    const db::WriteProbe now = db::probe_writable_now(db);
    evidence.push_back(fmt::format("a write attempted now (BEGIN IMMEDIATE, no waiting): {}{}", db::to_string(now.state),
                                   now.error.empty() ? "" : " (" + now.error + ")"));
    if (!blockers.empty()) {
      Finding f{Status::crit, fmt::format("pid {} holds the database's write lock: every writer waits, then fails with 'database is locked'",
                                          blockers.front().second),
                evidence, ""};
      f.fix = fmt::format("end that transaction (COMMIT or ROLLBACK in that session) or stop it: `kill {}`; the manual's "
                          "`fuser -k data/trading-bot.sqlite` would kill bscbotd too",
                          blockers.front().first);
      out.push_back(std::move(f));
    } else if (now.state == db::DbState::locked) {
      out.push_back({Status::crit, "the database is locked, by a process this user cannot see", evidence,
                     fmt::format("as root: `lsof {}*` or `cat /proc/locks`, then end that process's transaction", db.string())});
    } else if (now.state == db::DbState::readonly) {
      out.push_back({Status::crit, "the database refuses writes (read-only)", evidence, fmt::format("check the mode and owner of {} and its folder", db.string())});
    } else if (now.state != db::DbState::ok) {
      out.push_back({Status::crit, fmt::format("a write fails: {}", now.error), evidence, "bscbot health --full; bscbot restore --latest if the file is damaged"});
    } else {
      out.push_back({Status::ok, holders.empty() ? "no process holds a lock on the database" : "no lock blocks writers", evidence, ""});
    }
  }

  static void wal(const fs::path& db, std::vector<Finding>& out) {
    std::error_code ec;
    const auto wal_bytes = fs::file_size(db.string() + "-wal", ec);
    std::string mode;
    try {
      mode = db::journal_mode_of(db);
    } catch (const std::exception& e) {
      mode = std::string("unreadable: ") + e.what();
    }
    std::vector<std::string> evidence = {fmt::format("journal_mode {}", mode),
                                         ec ? std::string("no -wal file") : fmt::format("-wal file {}", bytes_text(static_cast<double>(wal_bytes)))};
    if (mode != "wal") {
      out.push_back({Status::warn, fmt::format("the journal mode is {}, not WAL: readers and the writer block each other", mode), evidence,
                     "restart bscbotd (it opens the database in WAL mode)"});
    } else if (!ec && wal_bytes > k_wal_warn_bytes) {
      out.push_back({Status::warn, fmt::format("the WAL has grown to {}: checkpoints cannot finish", bytes_text(static_cast<double>(wal_bytes))),
                     evidence, "find the long-running read transaction among the lock holders above and end it; `bscbot db vacuum` afterwards"});
    } else {
      out.push_back({Status::ok, "WAL mode, the WAL is checkpointed", evidence, ""});
    }
  }
};

// DB_CLIENT=pg: the server's own account of its sessions (pg_stat_activity): who waits for a
// lock and behind whom (pg_blocking_pids), transactions left open, and how close the server is
// to max_connections.
class PostgresProbe final : public DatabaseProbe {
public:
  std::vector<Finding> probe(const Context& c) const override {
    std::vector<Finding> out;
    std::unique_ptr<db::Store> store;
    db::PgActivity a;
    try {
      // Read-write only so that the write probe below is a real one; it rolls back.
      store = db::open_store(c.cfg, db::Access::read_write);
      a = db::pg_activity(*store);
    } catch (const std::exception& e) {
      out.push_back({Status::crit, std::string("the PostgreSQL server cannot be asked: ") + e.what(), {},
                     "check DATABASE_URL, that the server runs (`pg_isready`), and its log"});
      return out;
    }
    std::map<int, const db::PgSession*> by_pid;
    for (const auto& s : a.sessions) by_pid[s.pid] = &s;
    auto describe = [](const db::PgSession& s) {
      return fmt::format("pid {} ({}@{}, {}{}{})", s.pid, s.user, s.client, s.state.empty() ? "?" : s.state,
                         s.transaction_seconds ? fmt::format(", transaction open {} s", checks::number_text(*s.transaction_seconds, 0)) : "",
                         s.application.empty() ? "" : ", " + s.application);
    };
    std::vector<std::string> evidence;
    for (const auto& s : a.sessions) evidence.push_back(fmt::format("{}: {}", describe(s), s.query.empty() ? "-" : s.query));
    bool blocked = false;
    for (const auto& s : a.sessions) {
      if (s.blocked_by.empty()) continue;
      blocked = true;
      const int blocker = s.blocked_by.front();
      const auto it = by_pid.find(blocker);
      const std::string who = it != by_pid.end() ? describe(*it->second) : fmt::format("pid {}", blocker);
      Finding f{Status::crit, fmt::format("{} waits ({}) behind {}", describe(s), s.wait, who), evidence, ""};
      if (it != by_pid.end()) f.evidence.insert(f.evidence.begin(), fmt::format("the blocker's last statement: {}", it->second->query));
      f.fix = fmt::format("end that transaction in its session, or `SELECT pg_terminate_backend({});` as a superuser", blocker);
      out.push_back(std::move(f));
      break;
    }
    // A forgotten BEGIN in psql holds its locks and keeps VACUUM from reclaiming rows.
    const double idle_limit = c.cfg.number("DB_IDLE_TRANSACTION_WARN_S");
    for (const auto& s : a.sessions) {
      if (s.state.rfind("idle in transaction", 0) == 0 && s.transaction_seconds && *s.transaction_seconds > idle_limit) {
        out.push_back({Status::warn,
                       fmt::format("{} holds a transaction open while idle (over DB_IDLE_TRANSACTION_WARN_S={} s)", describe(s),
                                   checks::number_text(idle_limit, 0)),
                       {"its last statement: " + (s.query.empty() ? std::string("-") : s.query)},
                       fmt::format("end it (COMMIT or ROLLBACK in that session, or `SELECT pg_terminate_backend({});`); "
                                   "`ALTER DATABASE ... SET idle_in_transaction_session_timeout = '5min'` ends forgotten ones",
                                   s.pid)});
      }
    }
    const std::string slots = fmt::format("{} of max_connections={} in use on the server", a.connections, a.max_connections);
    if (a.max_connections > 0 && a.connections >= a.max_connections) {
      out.push_back({Status::crit, "the server refuses new connections: " + slots, {}, "raise max_connections, or lower DB_POOL_MAX of the clients"});
    } else if (a.max_connections > 0 && a.connections * 10 >= a.max_connections * 9) {
      out.push_back({Status::warn, "the server is close to its connection limit: " + slots, {}, "raise max_connections, or lower DB_POOL_MAX"});
    }
    if (!blocked && out.empty()) {
      out.push_back({Status::ok, fmt::format("no session waits for a lock; {}", slots), evidence, ""});
    }
    const db::WriteProbe now = store->probe_writable();
    if (now.state != db::DbState::ok) {
      out.push_back({Status::crit, fmt::format("a write fails: {} ({})", db::to_string(now.state), now.error), {}, "see the sessions above"});
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<DatabaseProbe> database_probe_for(const config::Config& cfg) {
  if (db::configured_backend(cfg) == db::Backend::pg) return std::make_unique<PostgresProbe>();
  return std::make_unique<SqliteProbe>();
}

std::vector<Finding> diagnose_database(const Context& c) {
  std::vector<Finding> out;
  // What bscbotd itself sees, whatever the backend.
  const auto& body = c.daemon.health.body;
  if (c.daemon.health.reachable && body.is_object() && body.contains("database")) {
    const auto& d = body["database"];
    const std::string state = d.value("state", "");
    const int used = d.value("pool_used", 0), max = d.value("pool_max", 0);
    std::vector<std::string> evidence = {fmt::format("/api/health: database {}, pool {}/{} in use", state, used, max)};
    double errors = 0;
    if (c.daemon.scrape) errors = metrics::value(*c.daemon.scrape, "db_connection_errors").value_or(0);
    evidence.push_back(fmt::format("db_connection_errors {} since bscbotd started", checks::number_text(errors, 0)));
    const double crit = c.cfg.number("DB_CONNECTION_ERRORS_CRIT");
    // An exhausted pool is said beside whatever else is wrong: often it is why (requests queue
    // behind connections stuck on a lock), and raising DB_POOL_MAX is not then the fix.
    const bool exhausted = max > 0 && used >= max;
    if (exhausted) {
      out.push_back({Status::warn, fmt::format("every pooled connection is in use ({}/{}): requests wait for one", used, max), evidence,
                     "find what holds them (the sessions below: a lock, a slow query: bscbot diagnose slow-queries); raise DB_POOL_MAX "
                     "only if the load is real"});
    }
    if (state != "ok") {
      out.push_back({Status::crit, fmt::format("bscbotd reports the database {}: {}", state, d.value("error", "")), evidence,
                     "see the lock and permission findings below"});
    } else if (errors > crit) {
      out.push_back({Status::crit, fmt::format("{} database connection errors (DatabaseConnectionFailed: > {})", errors, crit), evidence,
                     "bscbot logs errors; raise DB_BUSY_TIMEOUT_MS if writers time out behind a lock"});
    } else if (exhausted) {
      // Said above.
    } else {
      out.push_back({errors > 0 ? Status::warn : Status::ok, errors > 0 ? fmt::format("{} database connection error(s) since start", errors)
                                                                       : "bscbotd reaches the database",
                     evidence, errors > 0 ? "bscbot logs errors" : ""});
    }
  } else {
    out.push_back({Status::unknown, "bscbotd cannot be asked about its database (it does not answer)", {}, "bscbot diagnose service"});
  }
  std::error_code ec;
  const bool missing_file = db::configured_backend(c.cfg) == db::Backend::sqlite && !fs::exists(c.cfg.db_path(), ec);
  if (!missing_file) try {
    auto store = db::open_store(c.cfg, db::Access::read_only);
    out.push_back(from_check(checks::check_integrity(*store, checks::Integrity::quick),
                             "bscbot restore --latest (verifies the newest good backup, keeps the damaged database aside)"));
  } catch (const std::exception& e) {
    out.push_back({Status::crit, std::string("the database cannot be opened: ") + e.what(), {},
                   "bscbot restore --latest, or `bscbot init` for a new deployment"});
  }
  for (auto& f : database_probe_for(c.cfg)->probe(c)) out.push_back(std::move(f));
  return out;
}

}  // namespace bscbot::core::diagnose
