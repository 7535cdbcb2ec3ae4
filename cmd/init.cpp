// bscbot init: the first-day setup. Creates what is missing and never overwrites what exists.
#include <filesystem>

#include "cmd/commands.hpp"
#include "core/config/dotenv.hpp"
#include "core/config/example.hpp"
#include "core/db/store.hpp"
#include "core/error.hpp"
#include "core/util/crash_point.hpp"
#include "core/util/files.hpp"
#include "core/util/random.hpp"

namespace fs = std::filesystem;

namespace bscbot::cmd {

namespace {

// The .env lines that point bscbot at a PostgreSQL database (the URL may hold a password, so
// it goes into .env, mode 600, never bscbot.yaml).
std::string pg_lines(const std::string& url) { return fmt::format("DB_CLIENT=pg\nDATABASE_URL={}\n", url); }

// Adds the PostgreSQL lines to an existing .env that has none; refuses one that names another
// database.
std::string add_pg_to_dotenv(const std::string& url) {
  const std::string text = core::read_file(".env");
  for (const auto& line : core::config::parse_dotenv(text, ".env")) {
    if ((line.key == "DATABASE_URL" && line.value != url) || (line.key == "DB_CLIENT" && line.value != "pg")) {
      throw core::Error(core::ErrorKind::conflict, fmt::format(".env line {} already sets {}={}; edit .env yourself or drop --database-url",
                                                              line.line, line.key, line.key == "DATABASE_URL" ? "(another URL)" : line.value));
    }
    if (line.key == "DATABASE_URL") return "exists, kept (already names this database)";
  }
  core::atomic_write_file(".env", text + (text.empty() || text.back() == '\n' ? "" : "\n") + pg_lines(url), fs::perms(0600));
  return "kept, DB_CLIENT=pg and DATABASE_URL added";
}

int run_init(Context& ctx, const std::string& database_url) {
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
    core::crash_point("init.config_written");
    report("config", config_path.string(), "created");
  }
  // .env holds secrets: created with a fresh JWT secret, readable by the owner only.
  if (fs::exists(".env")) {
    report("secrets", ".env", database_url.empty() ? "exists, kept" : add_pg_to_dotenv(database_url));
  } else {
    core::atomic_write_file(".env",
                            fmt::format("# Secrets of bscbot; keep this file mode 600 and out of git.\n"
                                        "NODE_ENV=development\nJWT_SECRET={}\n{}",
                                        core::random_hex(48), database_url.empty() ? "" : pg_lines(database_url)),
                            fs::perms(0600));
    core::crash_point("init.env_written");
    report("secrets", ".env", database_url.empty() ? "created (mode 600, new JWT_SECRET)" : "created (mode 600, new JWT_SECRET, DATABASE_URL)");
  }

  const auto& cfg = ctx.config();
  for (const auto& [what, dir] : {std::pair{"data", cfg.path("DATA_DIR")}, std::pair{"logs", cfg.log_dir()},
                                  std::pair{"backups", cfg.path("BACKUP_DIR")}, std::pair{"reports", cfg.path("REPORTS_DIR")}}) {
    if (fs::exists(dir)) {
      report(what, dir.string(), "exists, kept");
    } else {
      fs::create_directories(dir);
      core::crash_point("init.folder_created");
      report(what, dir.string(), "created");
    }
  }

  if (core::db::configured_backend(cfg) == core::db::Backend::sqlite && !fs::exists(cfg.db_path())) {
    // Whole or not at all: a killed init leaves no half-migrated file for the next one to keep.
    core::db::create_sqlite_database(cfg);
    report("database", cfg.db_path().string(), fmt::format("created (schema {})", core::db::latest_schema_version()));
  } else {
    // An existing database: a PostgreSQL database made for us (empty) gets the schema; one of ours
    // is kept as it is; anything else is refused, untouched.
    auto store = core::db::open_store(cfg, core::db::Access::read_write);
    const auto status = store->schema_status();
    core::db::require_known_schema(status, store->location());
    if (store->empty()) {
      store->migrate();
      report("database", store->location(), fmt::format("schema created (schema {})", core::db::latest_schema_version()));
    } else if (status.applied.empty()) {
      throw core::Error(core::ErrorKind::conflict, fmt::format("database {} is not empty and holds no bscbot schema (no knex_migrations); "
                                                               "point bscbot at an empty database, or copy yours with `bscbot db copy`",
                                                               store->location()));
    } else {
      report("database", store->location(),
             status.pending.empty() ? fmt::format("exists, kept (schema {})", status.current)
                                    : fmt::format("exists, kept (schema {}, {} pending: run `bscbot db migrate`)", status.current,
                                                  status.pending.size()));
    }
  }
  out.document({{"steps", steps}});
  out.note("Next: `bscbot daemon start`, then `bscbot daemon status`.");
  return 0;
}

}  // namespace

void setup_init(CLI::App& command, Context& ctx) {
  auto database_url = std::make_shared<std::string>();
  command.add_option("--database-url", *database_url,
                     "Use PostgreSQL: write DB_CLIENT=pg and this DATABASE_URL into .env and create the schema in the (empty) database");
  command.callback([&ctx, database_url] { ctx.run = [&ctx, database_url] { return run_init(ctx, *database_url); }; });
}

}  // namespace bscbot::cmd
