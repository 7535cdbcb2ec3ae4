#include "cmd/context.hpp"

#include <cstdlib>
#include <string_view>

#include "core/error.hpp"

namespace bscbot::cmd {

std::map<std::string, std::string> Context::overrides() const {
  std::map<std::string, std::string> o;
  if (!options.data_dir.empty()) o["DATA_DIR"] = options.data_dir;
  return o;
}

const core::config::Config& Context::config() {
  if (!m_config) {
    core::config::LoadOptions load;
    if (!options.config_file.empty()) load.config_file = options.config_file;
    load.environment = core::config::process_environment();
    load.overrides = overrides();
    m_config = core::config::load(load);
  }
  return *m_config;
}

Output& Context::out() {
  if (!m_out) m_out = std::make_unique<Output>(options.json, options.quiet);
  return *m_out;
}

void Context::check_test_clock() const {
  if (options.now.empty()) return;
  const char* allowed = std::getenv("BSCBOT_TEST_CLOCK");
  if (!allowed || std::string_view(allowed) != "1") {
    throw core::Error(core::ErrorKind::usage, "--now is for tests only: it is accepted when BSCBOT_TEST_CLOCK=1 is set");
  }
  (void)core::parse_sql_datetime(options.now);  // a bad instant fails here, naming the text
}

const core::Clock& Context::clock() {
  if (options.now.empty()) return core::system_clock();
  if (!m_fixed_clock) {
    check_test_clock();
    m_fixed_clock.emplace(core::parse_sql_datetime(options.now));
  }
  return *m_fixed_clock;
}

core::process::DaemonControl Context::daemon() {
  const auto& cfg = config();
  core::process::DaemonOptions d;
  d.bscbotd = core::process::default_bscbotd_path(cfg);
  if (!options.config_file.empty()) d.config_file = options.config_file;
  d.env_overrides = overrides();
  return core::process::DaemonControl(cfg, d);
}

}  // namespace bscbot::cmd
