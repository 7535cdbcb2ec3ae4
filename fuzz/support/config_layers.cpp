#include "fuzz/support/config_layers.hpp"

#include "core/error.hpp"
#include "core/util/files.hpp"
#include "core/util/wei.hpp"
#include "fuzz/support/fuzz_support.hpp"

namespace bscbot::fuzz {

namespace fs = std::filesystem;
using core::config::Type;

core::config::Config load_layers(const std::optional<std::string_view>& yaml, const std::optional<std::string_view>& dotenv,
                                 const std::map<std::string, std::string>& environment) {
  static const fs::path dir = [] {
    const fs::path d = scratch_dir() / "config";
    fs::create_directories(d);
    return d;
  }();
  const fs::path yaml_file = dir / "bscbot.yaml";
  const fs::path dotenv_file = dir / ".env";
  std::error_code ec;
  fs::remove(yaml_file, ec);
  fs::remove(dotenv_file, ec);
  // Without a YAML layer, an empty file: never the working directory's bscbot.yaml.
  core::atomic_write_file(yaml_file, yaml.value_or(""));
  if (dotenv) core::atomic_write_file(dotenv_file, *dotenv);
  core::config::LoadOptions options;
  options.config_file = yaml_file;
  options.dotenv_file = dotenv_file;
  options.environment = environment;
  return core::config::load(options);
}

void check_loaded(const core::config::Config& cfg) {
  for (const core::config::Setting& s : core::config::all_settings()) {
    const std::string& value = cfg.text(s.name);
    switch (s.type) {
      case Type::integer: (void)cfg.integer(s.name); break;
      case Type::number: (void)cfg.number(s.name); break;
      case Type::boolean: BSCBOT_FUZZ_CHECK(value == "true" || value == "false", value); break;
      case Type::list:
      case Type::url_list: (void)cfg.list(s.name); break;
      case Type::path: (void)cfg.path(s.name); break;
      // The settings table promises a uint256 (settings.hpp); the audit parses it as one.
      case Type::wei: BSCBOT_FUZZ_CHECK(value.empty() || core::parse_wei(value).has_value(), value); break;
      case Type::choice:
      case Type::text:
      case Type::url:
      case Type::address: break;
    }
    (void)core::config::display_value(s, value);
    (void)cfg.source(s.name).describe();
  }
  (void)cfg.db_path();
  (void)cfg.pid_file();
  (void)cfg.log_file();
  (void)cfg.rpc_urls();
  cfg.check_consistency();
}

}  // namespace bscbot::fuzz
