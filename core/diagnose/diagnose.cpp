#include "core/diagnose/diagnose.hpp"

#include <fmt/format.h>

#include <fstream>

#include "core/checks/log_scan.hpp"
#include "core/diagnose/checks.hpp"
#include "core/process/pid_file.hpp"

namespace bscbot::core::diagnose {

DiagnoseEdges real_diagnose_edges(const config::Config& cfg, std::chrono::milliseconds timeout) {
  static const checks::ProcFs proc;
  DiagnoseEdges e;
  e.clock = &system_clock();
  e.proc = &proc;
  e.daemon = [&cfg, timeout] { return checks::take_daemon_snapshot(cfg, timeout); };
  e.rpc = chain::make_curl_transport();
  return e;
}

std::vector<std::string> log_lines_since(const config::Config& cfg, SystemTime since) {
  const std::string from = to_sql_datetime(since);
  std::vector<std::string> out;
  for (const auto& file : checks::log_files(cfg.log_file())) {
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
      const auto parsed = checks::parse_log_line(line);
      if (parsed && parsed->time.substr(0, 19) >= from) out.push_back(line);
    }
  }
  return out;
}

std::optional<pid_t> daemon_pid(const Context& c) {
  if (c.daemon.pid) return c.daemon.pid;
  const auto& body = c.daemon.health.body;
  if (body.is_object() && body.contains("pid") && body["pid"].is_number_integer()) {
    const auto pid = body["pid"].get<pid_t>();
    if (process::is_running_program(pid, "bscbotd")) return pid;
  }
  return std::nullopt;
}

std::string join_some(const std::vector<std::string>& items, std::size_t shown) {
  if (items.size() <= shown) return fmt::format("{}", fmt::join(items, ", "));
  return fmt::format("{} and {} more", fmt::join(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(shown), ", "), items.size() - shown);
}

namespace {

std::vector<Finding> run_one(Problem p, const Context& c) {
  switch (p) {
    case Problem::service: return diagnose_service(c);
    case Problem::database: return diagnose_database(c);
    case Problem::websocket: return diagnose_websocket(c);
    case Problem::memory: return diagnose_memory(c);
    case Problem::trades: return diagnose_trades(c);
    case Problem::slow_queries: return diagnose_slow_queries(c);
  }
  return {};
}

// The decision tree's order: a dead service first, then what makes it die or err (a locked
// database, the RPC and WebSocket, slow queries, memory), then trade failures.
int tree_rank(Problem p) {
  switch (p) {
    case Problem::service: return 0;
    case Problem::database: return 1;
    case Problem::websocket: return 2;
    case Problem::slow_queries: return 3;
    case Problem::memory: return 4;
    case Problem::trades: return 5;
  }
  return 6;
}

}  // namespace

DiagnoseReport run_diagnose(const config::Config& cfg, const std::vector<Problem>& wanted, const DiagnoseOptions& options,
                            const DiagnoseEdges& edges) {
  const auto started = std::chrono::steady_clock::now();
  DiagnoseReport report;
  const SystemTime now = edges.clock->now();
  report.generated_at = to_iso8601(now);
  const checks::DaemonSnapshot snap = edges.daemon();
  const Context c{cfg, options, edges, snap, now};
  const std::vector<Problem> problems = wanted.empty() ? std::vector<Problem>(std::begin(k_problems), std::end(k_problems)) : wanted;
  for (const Problem p : problems) {
    ProblemReport r;
    r.problem = p;
    try {
      r.findings = run_one(p, c);
    } catch (const std::exception& e) {
      r.findings.push_back({Status::unknown, fmt::format("the {} diagnosis stopped: {}", to_string(p), e.what()), {}, ""});
    }
    r.status = Status::ok;
    for (const auto& f : r.findings) r.status = checks::worse(r.status, f.status);
    for (const auto& f : r.findings) {
      if (f.status == r.status) {
        r.summary = f.title;
        break;
      }
    }
    report.status = checks::worse(report.status, r.status);
    report.problems.push_back(std::move(r));
  }
  for (const Status level : {Status::crit, Status::warn}) {
    const Finding* best = nullptr;
    int best_rank = 99;
    for (const auto& r : report.problems) {
      for (const auto& f : r.findings) {
        if (f.status == level && tree_rank(r.problem) < best_rank) {
          best = &f;
          best_rank = tree_rank(r.problem);
          break;
        }
      }
    }
    if (best) {
      report.decision = best->fix.empty() ? best->title : fmt::format("{} -> {}", best->title, best->fix);
      break;
    }
  }
  if (report.decision.empty()) report.decision = "nothing wrong found";
  report.elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return report;
}

nlohmann::json to_json(const DiagnoseReport& report) {
  nlohmann::json problems = nlohmann::json::array();
  for (const auto& p : report.problems) {
    nlohmann::json findings = nlohmann::json::array();
    for (const auto& f : p.findings) {
      findings.push_back({{"status", checks::to_string(f.status)}, {"title", f.title}, {"evidence", f.evidence}, {"fix", f.fix}});
    }
    problems.push_back({{"problem", to_string(p.problem)},
                        {"title", title(p.problem)},
                        {"status", checks::to_string(p.status)},
                        {"summary", p.summary},
                        {"findings", findings}});
  }
  return {{"status", checks::to_string(report.status)}, {"exit_code", checks::exit_code(report.status)},
          {"generated_at", report.generated_at},       {"elapsed_ms", report.elapsed_ms},
          {"decision", report.decision},               {"problems", problems}};
}

std::string to_markdown(const DiagnoseReport& report) {
  std::string md = fmt::format("Decision tree: **{}**\n\n", report.decision);
  for (const auto& p : report.problems) {
    md += fmt::format("### {} (`bscbot diagnose {}`): {}\n", title(p.problem), to_string(p.problem), checks::to_string(p.status));
    for (const auto& f : p.findings) {
      md += fmt::format("- **{}** {}\n", checks::to_string(f.status), f.title);
      for (const auto& e : f.evidence) md += "  - " + e + "\n";
      if (!f.fix.empty()) md += "  - fix: " + f.fix + "\n";
    }
    md += "\n";
  }
  return md;
}

std::string summary_line(const DiagnoseReport& report) {
  std::vector<std::string> bad;
  for (const auto& p : report.problems) {
    if (p.status == Status::warn || p.status == Status::crit) bad.push_back(fmt::format("{}: {}", to_string(p.problem), p.summary));
  }
  return fmt::format("DIAGNOSE {} - {} problem(s) looked at in {} ms{}{}", checks::to_string(report.status), report.problems.size(),
                     checks::number_text(report.elapsed_ms, 0), bad.empty() ? "" : "; ", fmt::format("{}", fmt::join(bad, "; ")));
}

}  // namespace bscbot::core::diagnose
