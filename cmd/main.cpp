// bscbot: the operator's command line. Subcommands are registered from one table, so --help,
// the man pages and the completions list the same commands; errors become one line on stderr
// and an exit code here, and nowhere else.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cmd/commands.hpp"
#include "core/config/mask.hpp"
#include "core/error.hpp"
#include "core/version.hpp"

namespace {

using bscbot::cmd::Command;

const Command k_commands[] = {
    {"init", "Create config, data and log folders and a migrated database", bscbot::cmd::setup_init},
    {"config", "Show or check the effective configuration", bscbot::cmd::setup_config},
    {"daemon", "Start, stop and inspect bscbotd", bscbot::cmd::setup_daemon},
    {"db", "Database migrations, statistics and maintenance", bscbot::cmd::setup_db},
    {"backup", "Online backups with manifests and the manual's daily/weekly/monthly rotation; list, verify, prune, config", bscbot::cmd::setup_backup},
    {"restore", "Verify a backup and put it in place of the live database, stopping and restarting bscbotd", bscbot::cmd::setup_restore},
    {"recover", "Disaster recovery in one step: stop, config archive back, database restored, migrated, started, healthy", bscbot::cmd::setup_recover},
    {"health", "Check daemon, database, disk, memory, CPU, log and trades against the manual's thresholds (exit 0-3)", bscbot::cmd::setup_health},
    {"audit", "Security audit: auth, secrets, CORS, log level, permissions, 401/403s, suspicious trades, backups, firewall, HTTPS, package upgrades", bscbot::cmd::setup_audit},
    {"diagnose", "The manual's troubleshooting, run for you: service, database, websocket, memory, trades, slow-queries (exit 0-3)", bscbot::cmd::setup_diagnose},
    {"incident", "Open, list, annotate, acknowledge and resolve incident reports (the manual's S1-S4 flows)", bscbot::cmd::setup_incident},
    {"notify", "Alerts that reach a person: channels, contacts, routes, delivery log, test, send, escalate", bscbot::cmd::setup_notify},
    {"report", "Write the weekly performance report (Markdown)", bscbot::cmd::setup_report},
    {"drill", "Disaster-recovery drill: restore a backup in a scratch folder and time it", bscbot::cmd::setup_drill},
    {"logs", "Tail the daemon's log, list recent errors, archive old logs", bscbot::cmd::setup_logs},
    {"playbook", "Run the manual's checklists and incident flows as runbooks", bscbot::cmd::setup_playbook},
    {"trade", "Quote, send, cancel and review PancakeSwap swaps; gas price and trade statistics", bscbot::cmd::setup_trade},
    {"token", "Mint API tokens (JWT) for the daemon's trading routes and WebSocket", bscbot::cmd::setup_token},
    {"devnet", "Start or stop a local anvil chain with PancakeSwap V2 contracts to trade on", bscbot::cmd::setup_devnet},
    {"completion", "Print the shell completion script for bash, zsh or fish", bscbot::cmd::setup_completion},
    {"__generate-docs", "Write man pages and completions (used by the build)", bscbot::cmd::setup_generate_docs},
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bscbot - operate the BSC PancakeSwap trading daemon"};
  app.set_version_flag("--version", std::string("bscbot ") + bscbot::k_version);
  app.require_subcommand(1);
  app.fallthrough();
  bscbot::cmd::Context ctx;
  app.add_flag("--json", ctx.options.json, "Print one JSON document instead of text");
  app.add_flag("-q,--quiet", ctx.options.quiet, "Print only results, no progress or notes");
  app.add_option("-c,--config", ctx.options.config_file, "Config file (default: BSCBOT_CONFIG or ./bscbot.yaml)");
  app.add_option("--data-dir", ctx.options.data_dir, "Folder of the database and pid file (DATA_DIR)");
  // Hidden (no group): the instant a test runs a command at; see Context::clock().
  app.add_option("--now", ctx.options.now, "UTC instant to run at, for tests (needs BSCBOT_TEST_CLOCK=1)")->group("");
  for (const Command& c : k_commands) c.setup(*app.add_subcommand(c.name, c.summary), ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message (or the help); a bad command line is EX_USAGE, whatever CLI11's
    // own code for its kind of error.
    return app.exit(e) == 0 ? 0 : 64;
  }
  try {
    ctx.check_test_clock();
    if (!ctx.run) {
      std::cerr << "bscbot: choose a subcommand; see `bscbot --help`\n";
      return 64;
    }
    return ctx.run();
  } catch (const bscbot::core::Error& e) {
    std::cerr << "bscbot: " << bscbot::core::config::mask_secrets(e.what()) << "\n";
    return bscbot::core::exit_code_for(e.kind());
  } catch (const std::exception& e) {
    std::cerr << "bscbot: unexpected error: " << bscbot::core::config::mask_secrets(e.what()) << "\n";
    return 70;
  }
}
