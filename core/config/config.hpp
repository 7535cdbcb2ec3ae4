#pragma once
// The effective configuration: built-in defaults, then bscbot.yaml, then .env, then the process
// environment, then command-line overrides (each layer wins over the one before). Every value
// remembers where it came from, so `config show` can say so and errors can name the file.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/contacts.hpp"
#include "core/config/settings.hpp"

namespace bscbot::core::config {

struct Source {
  enum class Kind { defaults, file, dotenv, environment, command_line };
  Kind kind = Kind::defaults;
  std::string path;  // the file, for file and dotenv

  // "default", "bscbot.yaml", ".env", "environment", "command line"
  std::string describe() const;
};

struct Entry {
  std::string value;  // normalised text ("true"/"false" for booleans)
  Source source;
};

class Config {
public:
  // Typed getters. Asking for an unknown name or the wrong type is our bug (asserted).
  const std::string& text(std::string_view name) const;
  std::int64_t integer(std::string_view name) const;
  double number(std::string_view name) const;
  bool boolean(std::string_view name) const;
  std::vector<std::string> list(std::string_view name) const;
  std::filesystem::path path(std::string_view name) const;
  const Source& source(std::string_view name) const;
  bool is_set(std::string_view name) const { return !text(name).empty(); }

  // Derived paths and values.
  std::filesystem::path db_path() const;
  std::filesystem::path pid_file() const;
  std::filesystem::path log_dir() const { return path("LOG_DIR"); }
  std::filesystem::path log_file() const { return log_dir() / "api-server.log"; }
  std::vector<std::string> rpc_urls() const;  // BSC_RPC_URL then BSC_RPC_URLS, without repeats
  bool production() const { return text("NODE_ENV") == "production"; }

  // Files that contributed values, in load order.
  const std::vector<std::string>& files() const { return m_files; }

  // Sets one value after validating it; throws core::Error(config) naming key, value and source.
  void set(std::string_view name, const std::string& value, const Source& source);

  // Checks rules that span settings (warn below crit, pool min below max, ...).
  void check_consistency() const;

  const std::map<std::string, Entry, std::less<>>& entries() const { return m_entries; }
  void add_file(std::string path) { m_files.push_back(std::move(path)); }

  // The `contacts` section of bscbot.yaml (empty when there is none).
  const Contacts& contacts() const { return m_contacts; }
  void set_contacts(Contacts contacts) { m_contacts = std::move(contacts); }

private:
  const Entry& entry(std::string_view name) const;
  std::map<std::string, Entry, std::less<>> m_entries;
  std::vector<std::string> m_files;
  Contacts m_contacts;
};

struct LoadOptions {
  // --config or BSCBOT_CONFIG; when empty, ./bscbot.yaml is read if it exists.
  std::optional<std::filesystem::path> config_file;
  std::filesystem::path dotenv_file = ".env";
  // The process environment (tests pass their own).
  std::map<std::string, std::string> environment;
  // Command-line overrides, e.g. DATA_DIR from --data-dir.
  std::map<std::string, std::string> overrides;
};

// Reads the real process environment into LoadOptions::environment.
std::map<std::string, std::string> process_environment();

// Loads and validates every layer; throws core::Error(config) with a one-line reason.
Config load(const LoadOptions& options);

// Validates `value` for `setting` and returns its normalised text; throws core::Error(config).
std::string normalise(const Setting& setting, const std::string& value, const Source& source);

// The value as `config show` prints it: secrets masked, URL passwords hidden.
std::string display_value(const Setting& setting, const std::string& value);

}  // namespace bscbot::core::config
