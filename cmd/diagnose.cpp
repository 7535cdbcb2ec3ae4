// bscbot diagnose [PROBLEM...]: the manual's "Troubleshooting" section and its decision tree,
// run against the real system instead of read at 3 a.m. Replaces `ps aux | grep node`,
// `lsof -i:10001`, `lsof data/trading-bot.sqlite`, `ls -la`, `PRAGMA integrity_check`,
// `grep "ping\|pong"`, `curl <rpc> eth_blockNumber`, `grep cache_size`, the failure-reason
// query and `grep "Query took"`, each finding with its evidence and fix. Exit status as
// `bscbot health`: 0 OK, 1 WARN, 2 CRIT, 3 UNKNOWN.
#include "cmd/commands.hpp"
#include "core/diagnose/diagnose.hpp"
#include "core/error.hpp"

namespace bscbot::cmd {

namespace {

namespace dg = core::diagnose;
using core::checks::Status;

struct DiagnoseFlags {
  std::vector<std::string> problems;
  std::string window = "24h";
  std::string timeout = "2s";
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

int run(Context& ctx, const DiagnoseFlags& flags) {
  std::vector<dg::Problem> problems;
  for (const auto& name : flags.problems) {
    const auto p = dg::parse_problem(name);
    if (!p) {
      throw core::Error(core::ErrorKind::usage,
                        fmt::format("unknown problem '{}'; choose service, database, websocket, memory, trades or slow-queries", name));
    }
    if (std::find(problems.begin(), problems.end(), *p) == problems.end()) problems.push_back(*p);
  }
  dg::DiagnoseOptions options;
  options.window = std::chrono::duration_cast<std::chrono::hours>(core::parse_duration(flags.window));
  if (options.window.count() < 1) throw core::Error(core::ErrorKind::usage, "--window must be at least 1h");
  options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(core::parse_duration(flags.timeout));
  const auto& cfg = ctx.config();
  auto edges = dg::real_diagnose_edges(cfg, options.timeout);
  edges.clock = &ctx.clock();
  const auto report = dg::run_diagnose(cfg, problems, options, edges);
  auto& out = ctx.out();
  if (out.json()) {
    out.document(dg::to_json(report));
  } else if (out.quiet()) {
    out.line(dg::summary_line(report));
  } else {
    Table t({"PROBLEM", "STATUS", "SUMMARY"});
    for (const auto& p : report.problems) {
      const std::string status(core::checks::to_string(p.status));
      t.row({std::string(dg::to_string(p.problem)), out.paint(fmt::format("{:<7}", status), tone_of(p.status)), p.summary});
    }
    std::string table = t.render();
    table.pop_back();  // out.line() ends the line
    out.line(table);
    for (const auto& p : report.problems) {
      out.line("");
      out.line(out.paint(fmt::format("{} ({})", dg::title(p.problem), dg::to_string(p.problem)), Tone::bold));
      for (const auto& f : p.findings) {
        const std::string status(core::checks::to_string(f.status));
        out.line(fmt::format("  {} {}", out.paint(fmt::format("{:<7}", status), tone_of(f.status)), f.title));
        for (const auto& e : f.evidence) out.line("          " + out.paint(e, Tone::dim));
        if (!f.fix.empty()) out.line(fmt::format("          {} {}", out.paint("fix:", Tone::bold), f.fix));
      }
    }
    out.line("");
    out.line(out.paint("decision: " + report.decision, tone_of(report.status)));
    out.line(out.paint(dg::summary_line(report), tone_of(report.status)));
  }
  return core::checks::exit_code(report.status);
}

}  // namespace

void setup_diagnose(CLI::App& command, Context& ctx) {
  auto flags = std::make_shared<DiagnoseFlags>();
  command.add_option("problem", flags->problems, "service, database, websocket, memory, trades or slow-queries (default: all)");
  command.add_option("--window", flags->window, "How far back trades and log lines are read, e.g. 24h or 7d")->capture_default_str();
  command.add_option("--timeout", flags->timeout, "Time allowed for each request to bscbotd or an RPC endpoint")->capture_default_str();
  command.footer(
      "Problems (the manual's Troubleshooting): service (process, pid file, who holds the port, last start error), database "
      "(integrity, permissions and owner, lock holders from /proc/locks, WAL, pool), websocket (reconnects per hour, missed pongs, RPC "
      "health and latency), memory (RSS and its trend, cache, clients, queue), trades (failures by reason with remedies, reserves and "
      "balances from the chain), slow-queries (slowest logged queries, their plans, the missing index). "
      "Exit status: 0 OK, 1 WARN, 2 CRIT, 3 UNKNOWN.");
  command.callback([&ctx, flags] { ctx.run = [&ctx, flags] { return run(ctx, *flags); }; });
}

}  // namespace bscbot::cmd
