#pragma once
// `bscbot diagnose [PROBLEM]`: the manual's "Troubleshooting" section (five common problems,
// their diagnosis steps and solutions) and its decision tree, as checks that look at the real
// system and say what they found, the evidence, and the fix:
//   service       process alive? stale pid file? who holds the port? last start error
//   database      integrity, permissions and owner, who holds a lock on the file, WAL size,
//                 the daemon's pool and connection errors (a backend probe per DB_CLIENT)
//   websocket     reconnects per hour, missed pongs, RPC endpoint health and latency
//   memory        RSS and its trend from the daemon's samples, cache, clients, queue
//   trades        failures of the window grouped by reason, with the manual's remedies and
//                 the chain's word on reserves and balances
//   slow-queries  the slowest logged queries, their query plans, the missing index named
// Verdicts are health's (OK, WARN, CRIT, UNKNOWN; exit 0-3).
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/chain/rpc_transport.hpp"
#include "core/checks/daemon_snapshot.hpp"
#include "core/checks/proc.hpp"
#include "core/checks/status.hpp"
#include "core/config/config.hpp"
#include "core/diagnose/problems.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::diagnose {

using checks::Status;

struct Finding {
  Status status = Status::ok;
  std::string title;                 // what was found, in one line
  std::vector<std::string> evidence; // what shows it
  std::string fix;                   // the command or setting that fixes it; empty when nothing to do
};

struct ProblemReport {
  Problem problem = Problem::service;
  Status status = Status::ok;
  std::string summary;               // the worst finding's title
  std::vector<Finding> findings;
};

struct DiagnoseReport {
  std::vector<ProblemReport> problems;
  Status status = Status::ok;
  std::string generated_at;          // ISO 8601 UTC
  // Where the manual's decision tree lands: the first CRIT (else WARN) finding, in the tree's
  // order (service, database, websocket, slow queries, memory, trades), and its fix.
  std::string decision;
  double elapsed_ms = 0;
};

struct DiagnoseOptions {
  std::chrono::hours window{24};             // trades and log lines looked at
  std::chrono::milliseconds timeout{2000};   // each request to bscbotd and to an RPC endpoint
  std::size_t slowest = 5;                   // slow queries explained
};

// The system edges diagnose reads; tests may replace the clock and the daemon.
struct DiagnoseEdges {
  const Clock* clock = nullptr;
  std::filesystem::path proc_root = "/proc";
  const checks::ProcReader* proc = nullptr;
  std::function<checks::DaemonSnapshot()> daemon;
  std::shared_ptr<chain::RpcTransport> rpc;
};

DiagnoseEdges real_diagnose_edges(const config::Config& cfg, std::chrono::milliseconds timeout);

// Diagnoses `problems` (every problem when empty); never throws for what it finds, only for
// our own bugs.
DiagnoseReport run_diagnose(const config::Config& cfg, const std::vector<Problem>& problems, const DiagnoseOptions& options,
                            const DiagnoseEdges& edges);

nlohmann::json to_json(const DiagnoseReport& report);

// The report as a Markdown section (for incident reports).
std::string to_markdown(const DiagnoseReport& report);

// "DIAGNOSE CRIT - service: port 10001 is held by pid 42 (python3); ..."
std::string summary_line(const DiagnoseReport& report);

}  // namespace bscbot::core::diagnose
