#include "core/drill/sandbox.hpp"

#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

#include "core/backup/recovery.hpp"
#include "core/error.hpp"
#include "core/util/files.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::drill {

namespace {

// The KEY of a `KEY=value` line of a .env file (after `export `), or "" for anything else.
std::string key_of(const std::string& line) {
  std::string s = line.substr(std::min(line.size(), line.find_first_not_of(" \t")));
  if (s.rfind("export ", 0) == 0) s = s.substr(7);
  const auto eq = s.find('=');
  if (eq == std::string::npos || s.empty() || s[0] == '#') return {};
  std::string key = s.substr(0, eq);
  key.erase(key.find_last_not_of(" \t") + 1);
  return key;
}

// `value` as the .env parser reads it back: bare when plain, else double-quoted and escaped.
std::string dotenv_value(const std::string& value) {
  const bool plain = std::all_of(value.begin(), value.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("_./:@%+,=-").find(c) != std::string_view::npos;
  });
  if (plain) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw Error(ErrorKind::io, "cannot find a free loopback port for the drill's daemon");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::map<std::string, std::string> scratch_settings(const fs::path& scratch, int port, const std::optional<db::PgTarget>& pg) {
  std::map<std::string, std::string> s = {
      {"HOST", "127.0.0.1"},
      {"PORT", std::to_string(port)},
      {"DATA_DIR", (scratch / "data").string()},
      {"DB_PATH", (scratch / "data" / "trading-bot.sqlite").string()},
      {"PID_FILE", (scratch / "data" / "bscbotd.pid").string()},
      {"LOG_DIR", (scratch / "logs").string()},
      {"BACKUP_DIR", (scratch / "backups").string()},
      {"REPORTS_DIR", (scratch / "reports").string()},
      {"CHAIN_ENABLED", "false"},
      {"AUTO_MIGRATE", "true"},
      {"WEBSOCKET_ENABLED", "false"},
      {"NOTIFY_ENABLED", "false"},
  };
  if (pg) {
    s["DB_CLIENT"] = "pg";
    s["DATABASE_URL"] = pg->url_with_dbname();
  }
  return s;
}

std::string scratch_database_name(const fs::path& scratch) {
  std::string name;
  for (char c : scratch.filename().string()) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name.substr(0, 63);
}

SandboxConfig unpack_config_archive(const fs::path& archive, const fs::path& scratch, SystemTime now) {
  const backup::ConfigRestorePlan plan = backup::plan_config_restore(archive, scratch);
  SandboxConfig sandbox;
  sandbox.dotenv = scratch / ".env";
  const auto holds = [&](const fs::path& target) {
    return std::any_of(plan.files.begin(), plan.files.end(), [&](const backup::ConfigFilePlan& f) { return f.target == target; });
  };
  if (!holds(sandbox.dotenv)) {
    throw Error(ErrorKind::data, fmt::format("config archive {} holds no .env; take a new one with `bscbot backup config` in the deployment folder",
                                             archive.string()));
  }
  // The sandbox is not the deployment folder: what belongs elsewhere (the unit) is never written.
  const backup::ConfigStep step = backup::restore_config_step(plan, /*include_system=*/false, now, "left out of the sandbox");
  sandbox.detail = step.detail;
  sandbox.config_file = scratch / "bscbot.yaml";
  if (!holds(sandbox.config_file)) {
    atomic_write_file(sandbox.config_file, "# the config archive held no bscbot.yaml: the defaults and .env apply\n", fs::perms(0600));
    sandbox.detail += " (no bscbot.yaml in it)";
  }
  return sandbox;
}

config::Config load_sandbox_config(const SandboxConfig& sandbox, const fs::path& archive, std::map<std::string, std::string> environment,
                                   const std::map<std::string, std::string>& overrides) {
  config::LoadOptions load;
  load.config_file = sandbox.config_file;
  load.dotenv_file = sandbox.dotenv;
  environment.erase("BSCBOT_CONFIG");
  load.environment = std::move(environment);
  load.overrides = overrides;
  try {
    return config::load(load);
  } catch (const Error& e) {
    throw Error(ErrorKind::data, fmt::format("the configuration from {} does not load: {}", archive.string(), e.what()));
  }
}

void point_dotenv_at(const fs::path& file, const std::map<std::string, std::string>& settings) {
  std::istringstream in(read_file(file));
  std::set<std::string> written;
  std::string out, line;
  while (std::getline(in, line)) {
    const std::string key = key_of(line);
    const auto it = settings.find(key);
    if (it == settings.end()) {
      out += line + "\n";
    } else if (written.insert(key).second) {
      out += fmt::format("{}={}\n", key, dotenv_value(it->second));
    }  // a later line of the same key would win over ours: dropped
  }
  bool header = false;
  for (const auto& [key, value] : settings) {
    if (written.count(key)) continue;
    if (!header) out += "# bscbot drill --full: the scratch deployment's own database, folders and port\n";
    header = true;
    out += fmt::format("{}={}\n", key, dotenv_value(value));
  }
  atomic_write_file(file, out, fs::status(file).permissions() & fs::perms::all);
}

}  // namespace bscbot::core::drill
