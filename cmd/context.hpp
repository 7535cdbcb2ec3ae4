#pragma once
// What every subcommand gets: the global flags, the configuration (loaded on first use, so
// `--help` works with a broken config), output helpers, and the daemon controller.
#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/config/config.hpp"
#include "core/process/daemon_control.hpp"
#include "core/util/clock.hpp"
#include "cmd/output.hpp"

namespace bscbot::cmd {

struct GlobalOptions {
  bool json = false;
  bool quiet = false;
  std::string config_file;
  std::string data_dir;
  std::string now;  // hidden --now, for tests only (see Context::clock)
};

class Context {
public:
  GlobalOptions options;

  const core::config::Config& config();
  // Forgets the loaded configuration, so the next config() reads the files again (after
  // `recover` put a config archive back).
  void reload_config() { m_config.reset(); }
  Output& out();
  core::process::DaemonControl daemon();

  // The time every command reasons with: the system clock, or the instant given by the hidden
  // `--now` option, which is accepted only when BSCBOT_TEST_CLOCK=1 is in the environment so a
  // test can run a command on a chosen date (a 1st of a month, a Sunday, Feb 29) without the
  // flag ever changing what a production command does.
  const core::Clock& clock();

  // Refuses `--now` unless the environment allows it; called once after parsing.
  void check_test_clock() const;

  // Settings given on the command line (e.g. --data-dir), passed on to a daemon we start.
  std::map<std::string, std::string> overrides() const;

  // The action of the chosen subcommand; returns the exit code.
  std::function<int()> run;

private:
  std::optional<core::config::Config> m_config;
  std::unique_ptr<Output> m_out;
  std::optional<core::FixedClock> m_fixed_clock;
};

// One row of the subcommand table in main.cpp: registering a command adds its CLI11
// subcommand, flags and action.
struct Command {
  const char* name;
  const char* summary;
  void (*setup)(CLI::App& command, Context& ctx);
};

}  // namespace bscbot::cmd
