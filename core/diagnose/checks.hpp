#pragma once
// One function per troubleshooting problem; run_diagnose() calls them and ranks the answers.
#include <optional>
#include <vector>

#include "core/diagnose/diagnose.hpp"

namespace bscbot::core::diagnose {

// What every problem may need, gathered once per run.
struct Context {
  const config::Config& cfg;
  const DiagnoseOptions& options;
  const DiagnoseEdges& edges;
  const checks::DaemonSnapshot& daemon;
  SystemTime now;
};

std::vector<Finding> diagnose_service(const Context& c);
std::vector<Finding> diagnose_database(const Context& c);
std::vector<Finding> diagnose_websocket(const Context& c);
std::vector<Finding> diagnose_memory(const Context& c);
std::vector<Finding> diagnose_trades(const Context& c);
std::vector<Finding> diagnose_slow_queries(const Context& c);

// The database probe of a backend: SQLite's looks at the file, its permissions, its locks and
// its WAL; PostgreSQL's (pg_stat_activity blockers, pool exhaustion) slots in beside it.
class DatabaseProbe {
public:
  virtual ~DatabaseProbe() = default;
  virtual std::vector<Finding> probe(const Context& c) const = 0;
};
std::unique_ptr<DatabaseProbe> database_probe_for(const config::Config& cfg);

// The log lines (api-server.log and its rotations) of the window, as text.
std::vector<std::string> log_lines_since(const config::Config& cfg, SystemTime since);

// The pid of a live bscbotd: the snapshot's, the pid file's, or the one /api/health reports.
std::optional<pid_t> daemon_pid(const Context& c);

// "a, b and 3 more".
std::string join_some(const std::vector<std::string>& items, std::size_t shown = 3);

}  // namespace bscbot::core::diagnose
