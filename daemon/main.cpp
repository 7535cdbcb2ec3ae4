// bscbotd: the trading daemon. Everything it does lives in core/ and daemon/; main() only reads
// the command line and turns a start-up failure into one line on stderr and an exit code.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>

#include "core/config/config.hpp"
#include "core/config/mask.hpp"
#include "core/error.hpp"
#include "core/version.hpp"
#include "daemon/daemon.hpp"

int main(int argc, char** argv) {
  CLI::App cli{"bscbotd - BSC PancakeSwap trading daemon (HTTP and WebSocket API, metrics, trade queue)"};
  cli.set_version_flag("--version", std::string("bscbotd ") + bscbot::k_version);
  std::string config_file;
  bool foreground_log = false;
  cli.add_option("-c,--config", config_file, "Config file (default: BSCBOT_CONFIG or ./bscbot.yaml)");
  cli.add_flag("--log-stderr", foreground_log, "Also write the log to stderr");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  try {
    bscbot::core::config::LoadOptions options;
    if (!config_file.empty()) options.config_file = config_file;
    options.environment = bscbot::core::config::process_environment();
    const auto cfg = bscbot::core::config::load(options);
    return bscbot::daemon::run_daemon(cfg, foreground_log);
  } catch (const bscbot::core::Error& e) {
    std::cerr << "bscbotd: " << bscbot::core::config::mask_secrets(e.what()) << "\n";
    return bscbot::core::exit_code_for(e.kind());
  } catch (const std::exception& e) {
    std::cerr << "bscbotd: unexpected error: " << bscbot::core::config::mask_secrets(e.what()) << "\n";
    return 70;
  }
}
