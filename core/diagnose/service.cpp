// Problem 1 of the manual, "Service not responding": `ps aux | grep node`, `lsof -i:10001`,
// `tail -50 logs/api-server.log`, and the decision tree's first branch (not running, port
// conflict, database locked).
#include <fmt/format.h>

#include <algorithm>

#include "core/checks/log_scan.hpp"
#include "core/diagnose/checks.hpp"
#include "core/diagnose/system.hpp"
#include "core/logs/log_files.hpp"
#include "core/process/pid_file.hpp"

namespace bscbot::core::diagnose {

namespace {

bool is_bscbotd(const ProcessInfo& p) { return p.comm == "bscbotd"; }

// What went wrong the last times bscbotd started: its own stderr (LOG_DIR/bscbotd.out, where
// `bscbot daemon start` sends it) and the error lines logged since its last "starting" line.
std::vector<std::string> last_start_errors(const Context& c) {
  std::vector<std::string> out;
  try {
    for (const auto& line : logs::tail_lines(c.cfg.log_dir() / "bscbotd.out", 20)) {
      if (line.rfind("bscbotd:", 0) == 0) out.push_back("bscbotd.out: " + line);
    }
  } catch (const std::exception&) {
  }
  if (out.size() > 3) out.erase(out.begin(), out.end() - 3);
  const auto lines = log_lines_since(c.cfg, c.now - c.options.window);
  std::size_t start = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find(" starting (pid ") != std::string::npos) start = i;
  }
  std::vector<std::string> errors;
  for (std::size_t i = start; i < lines.size(); ++i) {
    const auto parsed = checks::parse_log_line(lines[i]);
    if (parsed && (parsed->level == "error" || parsed->level == "critical")) errors.push_back("api-server.log: " + lines[i]);
  }
  if (errors.size() > 3) errors.erase(errors.begin(), errors.end() - 3);
  out.insert(out.end(), errors.begin(), errors.end());
  return out;
}

}  // namespace

std::vector<Finding> diagnose_service(const Context& c) {
  std::vector<Finding> out;
  const auto& cfg = c.cfg;
  const int port = static_cast<int>(cfg.integer("PORT"));
  const auto& h = c.daemon.health;
  const auto pid_file = cfg.pid_file();
  const auto recorded = process::read_pid_file(pid_file);
  const bool recorded_alive = recorded && process::is_running_program(*recorded, "bscbotd");
  const auto pid = daemon_pid(c);
  const auto listeners = listeners_on(c.edges.proc_root, port);

  std::vector<std::string> port_evidence;
  std::vector<const ProcessInfo*> squatters;
  bool unseen = false;
  for (const auto& l : listeners) {
    if (l.owners.empty()) {
      unseen = true;
      port_evidence.push_back(fmt::format("{}:{} is listened on by a process this user cannot see (socket inode {}, uid {})",
                                          l.socket.local_address, port, l.socket.inode, l.socket.uid));
    }
    for (const auto& o : l.owners) {
      port_evidence.push_back(fmt::format("{}:{} is listened on by pid {}", l.socket.local_address, port, o.describe()));
      if (!is_bscbotd(o)) squatters.push_back(&o);
    }
  }
  if (listeners.empty()) port_evidence.push_back(fmt::format("nothing listens on port {} (/proc/net/tcp, tcp6)", port));

  std::string pid_text;
  if (!recorded) pid_text = fmt::format("no pid file at {}", pid_file.string());
  else if (recorded_alive) pid_text = fmt::format("pid file {} names pid {}, a live bscbotd", pid_file.string(), *recorded);
  else pid_text = fmt::format("pid file {} names pid {}, which is not a running bscbotd: stale (the last run crashed or was killed)",
                              pid_file.string(), *recorded);

  // Something else on the port may answer HTTP too (a web server's 404): it is not bscbotd.
  const bool bscbotd_listens = std::any_of(listeners.begin(), listeners.end(), [](const Listener& l) {
    return std::any_of(l.owners.begin(), l.owners.end(), is_bscbotd);
  });
  if (!squatters.empty() && !bscbotd_listens) {
    Finding f{Status::crit,
              fmt::format("port {} is held by pid {}, not bscbotd: a port conflict", port, squatters.front()->describe()),
              port_evidence, ""};
    f.evidence.push_back(pid_text);
    if (h.reachable) f.evidence.push_back(fmt::format("GET {}/api/health answered HTTP {}, not as bscbotd does", c.daemon.url, h.http_status));
    f.fix = fmt::format("stop it (`kill {}`) or move bscbotd to a free port: PORT={} in .env, then `bscbot daemon start`", squatters.front()->pid,
                        port == 65535 ? port - 1 : port + 1);
    for (const auto& e : last_start_errors(c)) f.evidence.push_back(e);
    out.push_back(std::move(f));
    if (recorded && !recorded_alive) {
      out.push_back({Status::warn, fmt::format("the pid file names pid {}, which is not bscbotd (stale)", *recorded), {pid_text},
                     "`bscbot daemon start` replaces a stale pid file"});
    }
    return out;
  }

  if (h.healthy()) {
    Finding f{Status::ok, fmt::format("bscbotd answers /api/health on {} in {} ms", c.daemon.url,
                                      checks::number_text(static_cast<double>(h.elapsed.count()) / 1000.0, 1)),
              {pid_text}, ""};
    f.evidence.insert(f.evidence.end(), port_evidence.begin(), port_evidence.end());
    out.push_back(std::move(f));
    return out;
  }
  if (h.reachable) {
    const std::string reason = h.body.is_object() && h.body.contains("reason") && h.body["reason"].is_string()
                                   ? h.body["reason"].get<std::string>()
                                   : fmt::format("HTTP {}", h.http_status);
    Finding f{Status::crit, fmt::format("bscbotd answers but is unhealthy: {}", reason), {pid_text}, ""};
    if (reason.find("database") != std::string::npos) f.fix = "bscbot diagnose database (names whoever holds the lock or broke the file)";
    else if (reason.find("stalled") != std::string::npos) f.fix = "bscbot daemon restart; keep `bscbot logs tail` for the incident report";
    else f.fix = "bscbot logs errors";
    out.push_back(std::move(f));
    return out;
  }

  if (unseen && !pid) {
    Finding f{Status::crit, fmt::format("port {} is in use by a process of another user", port), port_evidence,
              fmt::format("find it with `sudo lsof -i:{}` and stop it, or set PORT to a free port in .env", port)};
    out.push_back(std::move(f));
  }
  if (pid) {
    Finding f{Status::crit, fmt::format("bscbotd (pid {}) runs but does not answer on {}: {}", *pid, c.daemon.url, h.error), {pid_text}, ""};
    f.evidence.insert(f.evidence.end(), port_evidence.begin(), port_evidence.end());
    f.fix = "bscbot daemon restart; if it hangs, look for a database lock: bscbot diagnose database";
    out.push_back(std::move(f));
  } else if (!unseen) {
    Finding f{Status::crit, "bscbotd is not running", {pid_text}, ""};
    f.evidence.insert(f.evidence.end(), port_evidence.begin(), port_evidence.end());
    const auto errors = last_start_errors(c);
    f.evidence.insert(f.evidence.end(), errors.begin(), errors.end());
    if (!h.error.empty()) f.evidence.push_back(fmt::format("{}: {}", c.daemon.url, h.error));
    f.fix = "bscbot daemon start (under systemd: systemctl start bscbotd)";
    out.push_back(std::move(f));
  }
  if (recorded && !recorded_alive && !out.empty() && out.back().title != "bscbotd is not running") {
    out.push_back({Status::warn, fmt::format("the pid file names pid {}, which is not bscbotd (stale)", *recorded), {pid_text},
                   "`bscbot daemon start` replaces a stale pid file"});
  }
  return out;
}

}  // namespace bscbot::core::diagnose
