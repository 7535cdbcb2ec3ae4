#include "cmd/context.hpp"

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

core::process::DaemonControl Context::daemon() {
  const auto& cfg = config();
  core::process::DaemonOptions d;
  d.bscbotd = core::process::default_bscbotd_path(cfg);
  if (!options.config_file.empty()) d.config_file = options.config_file;
  d.env_overrides = overrides();
  return core::process::DaemonControl(cfg, d);
}

}  // namespace bscbot::cmd
