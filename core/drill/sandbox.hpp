#pragma once
// The scratch deployment a drill runs in: every path and port moved into its folder, and for
// `drill --full` the configuration put back from a config archive there (through the same
// config_restore as `bscbot recover`) and pointed at the scratch database and port, so the
// rehearsal reads the archived settings without reaching production's data, logs or port.
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "core/config/config.hpp"
#include "core/db/pg_tools.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::drill {

// A port on 127.0.0.1 nobody listens on now; core::Error(io) when there is none.
int free_loopback_port();

// The settings that turn a deployment's configuration into the scratch one in `scratch`: every
// path and port moved there, on PostgreSQL the scratch database `pg`, and the chain, WebSocket and
// notifications off (a drill must never trade, nor page anyone about the scratch copy).
std::map<std::string, std::string> scratch_settings(const std::filesystem::path& scratch, int port, const std::optional<db::PgTarget>& pg);

// A PostgreSQL database name from the scratch folder's (unique) name.
std::string scratch_database_name(const std::filesystem::path& scratch);

// The configuration a config archive put into a scratch deployment.
struct SandboxConfig {
  std::filesystem::path dotenv;                     // <scratch>/.env
  std::filesystem::path config_file;                // <scratch>/bscbot.yaml (empty when the archive held none)
  std::string detail;                               // what was written and what was left out
};

// Unpacks `archive` into `scratch` with config_restore (entries checked, modes kept); files from
// outside the deployment folder (the systemd unit) are left out; without a bscbot.yaml an empty
// one stands in, so nothing reads production's. Throws core::Error(data) when the archive is
// unusable or holds no .env.
SandboxConfig unpack_config_archive(const std::filesystem::path& archive, const std::filesystem::path& scratch, SystemTime now);

// The configuration as the scratch bscbotd loads it: its bscbot.yaml and .env, `environment`
// (without BSCBOT_CONFIG, which names production's file) and `overrides`. Throws core::Error(data)
// saying which restored file is broken.
config::Config load_sandbox_config(const SandboxConfig& sandbox, const std::filesystem::path& archive,
                                   std::map<std::string, std::string> environment, const std::map<std::string, std::string>& overrides);

// Rewrites the .env at `file` so that each of `settings` has that value (lines replaced in place,
// missing ones appended), keeping its mode: the kept sandbox then runs on its own.
void point_dotenv_at(const std::filesystem::path& file, const std::map<std::string, std::string>& settings);

}  // namespace bscbot::core::drill
