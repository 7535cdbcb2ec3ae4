// Reads the configuration layers in order of precedence.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cctype>

#include "core/config/config.hpp"
#include "core/config/contacts.hpp"
#include "core/config/dotenv.hpp"
#include "core/error.hpp"
#include "core/util/files.hpp"

extern char** environ;

namespace fs = std::filesystem;

namespace bscbot::core::config {

namespace {

std::string yaml_scalar_text(const YAML::Node& node) {
  if (node.IsNull()) return {};
  if (node.IsSequence()) {
    std::string joined;
    for (const auto& item : node) {
      if (!item.IsScalar()) throw std::runtime_error("a list item is not a plain value");
      if (!joined.empty()) joined += ',';
      joined += item.Scalar();
    }
    return joined;
  }
  if (!node.IsScalar()) throw std::runtime_error("expected a plain value or a list");
  return node.Scalar();
}

void load_yaml(Config& cfg, const fs::path& file) {
  const std::string name = file.string();
  YAML::Node root;
  try {
    root = YAML::LoadFile(name);
  } catch (const YAML::ParserException& e) {
    throw Error(ErrorKind::config, fmt::format("{}:{}:{}: {}", name, e.mark.line + 1, e.mark.column + 1, e.msg));
  } catch (const YAML::BadFile&) {
    throw Error(ErrorKind::config, fmt::format("cannot read config file {}", name));
  }
  if (root.IsNull()) {  // an empty (or all-comment) file is a valid, empty config
    cfg.add_file(name);
    return;
  }
  if (!root.IsMap()) {
    throw Error(ErrorKind::config, fmt::format("{}:{}:{}: the config file must be a mapping of settings", name,
                                               root.Mark().line + 1, root.Mark().column + 1));
  }
  const Source source{Source::Kind::file, name};
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    const auto mark = kv.first.Mark();
    const std::string at = fmt::format("{}:{}:{}", name, mark.line + 1, mark.column + 1);
    // The one structured section: the manual's contact list.
    if (key == "contacts") {
      cfg.set_contacts(parse_contacts(kv.second, name));
      continue;
    }
    const std::string upper = [&] {
      std::string u = key;
      for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return u;
    }();
    if (key != yaml_key(upper) || !find_setting(upper)) {
      const std::string hint = closest_setting(key);
      throw Error(ErrorKind::config,
                  fmt::format("{}: unknown setting '{}'{}", at, key,
                              hint.empty() ? std::string("; `bscbot config show` lists them")
                                           : fmt::format("; did you mean '{}'?", yaml_key(hint))));
    }
    std::string value;
    try {
      value = yaml_scalar_text(kv.second);
    } catch (const std::exception& e) {
      throw Error(ErrorKind::config, fmt::format("{}: {}: {}", at, key, e.what()));
    }
    try {
      cfg.set(upper, value, source);
    } catch (const Error& e) {
      throw Error(ErrorKind::config, fmt::format("{}: {}", at, e.what()));
    }
  }
  cfg.add_file(name);
}

void load_dotenv(Config& cfg, const fs::path& file) {
  const std::string name = file.string();
  const Source source{Source::Kind::dotenv, name};
  for (const DotenvLine& line : parse_dotenv(read_file(file), name)) {
    try {
      cfg.set(line.key, line.value, source);
    } catch (const Error& e) {
      throw Error(ErrorKind::config, fmt::format("{}:{}: {}", name, line.line, e.what()));
    }
  }
  cfg.add_file(name);
}

}  // namespace

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string::npos) env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

Config load(const LoadOptions& options) {
  Config cfg;
  const Source defaults{Source::Kind::defaults, {}};
  for (const Setting& s : all_settings()) cfg.set(s.name, std::string(s.default_value), defaults);

  std::optional<fs::path> file = options.config_file;
  if (!file) {
    const auto it = options.environment.find("BSCBOT_CONFIG");
    if (it != options.environment.end() && !it->second.empty()) file = it->second;
  }
  if (file) {
    if (!fs::exists(*file)) {
      throw Error(ErrorKind::config, fmt::format("config file {} does not exist; create it with `bscbot init`", file->string()));
    }
    load_yaml(cfg, *file);
  } else if (fs::exists("bscbot.yaml")) {
    load_yaml(cfg, "bscbot.yaml");
  }

  if (!options.dotenv_file.empty() && fs::exists(options.dotenv_file)) load_dotenv(cfg, options.dotenv_file);

  // Only names we know are taken from the environment: it also holds PATH, HOME and the rest.
  const Source env_source{Source::Kind::environment, {}};
  for (const Setting& s : all_settings()) {
    const auto it = options.environment.find(std::string(s.name));
    if (it != options.environment.end()) cfg.set(s.name, it->second, env_source);
  }

  const Source cli{Source::Kind::command_line, {}};
  for (const auto& [key, value] : options.overrides) cfg.set(key, value, cli);

  cfg.check_consistency();
  return cfg;
}

}  // namespace bscbot::core::config
