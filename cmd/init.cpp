// bscbot init: the first-day setup. Creates what is missing and never overwrites what exists.
#include <filesystem>

#include "cmd/commands.hpp"
#include "core/config/example.hpp"
#include "core/db/database.hpp"
#include "core/db/migrations.hpp"
#include "core/util/files.hpp"
#include "core/util/random.hpp"

namespace fs = std::filesystem;

namespace bscbot::cmd {

namespace {

int run_init(Context& ctx) {
  auto& out = ctx.out();
  nlohmann::json steps = nlohmann::json::array();
  auto report = [&](const std::string& what, const std::string& path, const std::string& outcome) {
    steps.push_back({{"item", what}, {"path", path}, {"result", outcome}});
    out.line(fmt::format("{:<10} {:<32} {}", what, path, outcome));
  };

  const fs::path config_path = ctx.options.config_file.empty() ? fs::path("bscbot.yaml") : fs::path(ctx.options.config_file);
  if (fs::exists(config_path)) {
    report("config", config_path.string(), "exists, kept");
  } else {
    core::atomic_write_file(config_path, core::config::example_yaml());
    report("config", config_path.string(), "created");
  }
  // .env holds secrets: created with a fresh JWT secret, readable by the owner only.
  if (fs::exists(".env")) {
    report("secrets", ".env", "exists, kept");
  } else {
    core::atomic_write_file(".env",
                            fmt::format("# Secrets of bscbot; keep this file mode 600 and out of git.\n"
                                        "NODE_ENV=development\nJWT_SECRET={}\n",
                                        core::random_hex(48)),
                            fs::perms(0600));
    report("secrets", ".env", "created (mode 600, new JWT_SECRET)");
  }

  const auto& cfg = ctx.config();
  for (const auto& [what, dir] : {std::pair{"data", cfg.path("DATA_DIR")}, std::pair{"logs", cfg.log_dir()},
                                  std::pair{"backups", cfg.path("BACKUP_DIR")}, std::pair{"reports", cfg.path("REPORTS_DIR")}}) {
    if (fs::exists(dir)) {
      report(what, dir.string(), "exists, kept");
    } else {
      fs::create_directories(dir);
      report(what, dir.string(), "created");
    }
  }

  const fs::path db_path = cfg.db_path();
  if (fs::exists(db_path)) {
    auto db = core::db::open_database(db_path, core::db::Access::read_only);
    const auto status = core::db::schema_status(*db);
    core::db::require_known_schema(status, db_path.string());
    report("database", db_path.string(),
           status.pending.empty() ? fmt::format("exists, kept (schema {})", status.current)
                                  : fmt::format("exists, kept (schema {}, {} pending: run `bscbot db migrate`)",
                                                status.current, status.pending.size()));
  } else {
    auto db = core::db::open_database(db_path, core::db::Access::create, static_cast<int>(cfg.integer("DB_BUSY_TIMEOUT_MS")));
    const auto applied = core::db::migrate(*db, db_path.string());
    report("database", db_path.string(), fmt::format("created (schema {})", core::db::latest_schema_version()));
  }
  out.document({{"steps", steps}});
  out.note("Next: `bscbot daemon start`, then `bscbot daemon status`.");
  return 0;
}

}  // namespace

void setup_init(CLI::App& command, Context& ctx) {
  command.callback([&ctx] { ctx.run = [&ctx] { return run_init(ctx); }; });
}

}  // namespace bscbot::cmd
