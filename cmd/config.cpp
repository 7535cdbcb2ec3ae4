// bscbot config show|check: what the daemon and every command will use, and from where.
#include "cmd/commands.hpp"
#include "core/config/mask.hpp"
#include "core/config/settings.hpp"
#include "core/db/store.hpp"

namespace bscbot::cmd {

namespace {

int run_show(Context& ctx, bool changed_only) {
  const auto& cfg = ctx.config();
  auto& out = ctx.out();
  Table table({"SETTING", "VALUE", "SOURCE"});
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& s : core::config::all_settings()) {
    const auto& name = std::string(s.name);
    const auto& src = cfg.source(name);
    if (changed_only && src.kind == core::config::Source::Kind::defaults) continue;
    const std::string shown = core::config::display_value(s, cfg.text(name));
    table.row({name, shown.empty() ? "(unset)" : shown, src.describe()});
    doc[name] = {{"value", shown}, {"source", src.describe()}, {"secret", s.secret}};
  }
  // Derived values that operators look for, masked like the settings they come from.
  nlohmann::json rpc_urls = nlohmann::json::array();
  for (const std::string& url : cfg.rpc_urls()) rpc_urls.push_back(core::config::mask_url(url));
  const bool pg = core::db::configured_backend(cfg) == core::db::Backend::pg;
  doc["_derived"] = {{"database", core::db::describe_database(cfg)}, {"db_path", pg ? nlohmann::json() : nlohmann::json(cfg.db_path().string())},
                     {"pid_file", cfg.pid_file().string()},
                     {"log_file", cfg.log_file().string()}, {"rpc_urls", rpc_urls}};
  out.document({{"settings", doc}, {"files", cfg.files()}});
  out.line(table.render());
  out.line(fmt::format("database {}  pid file {}  log {}", core::db::describe_database(cfg), cfg.pid_file().string(), cfg.log_file().string()));
  out.line(cfg.files().empty() ? "files: none (defaults and environment only)" : fmt::format("files: {}", fmt::join(cfg.files(), ", ")));
  return 0;
}

int run_check(Context& ctx) {
  const auto& cfg = ctx.config();  // throws with the key, value and file on the first problem
  ctx.out().document({{"valid", true}, {"files", cfg.files()}});
  ctx.out().line(fmt::format("config OK ({})", cfg.files().empty() ? "defaults and environment" : fmt::format("{}", fmt::join(cfg.files(), ", "))));
  return 0;
}

}  // namespace

void setup_config(CLI::App& command, Context& ctx) {
  command.require_subcommand(1);
  auto* show = command.add_subcommand("show", "Print the effective settings with their sources (secrets masked)");
  auto changed = std::make_shared<bool>(false);
  show->add_flag("--changed", *changed, "Only settings that differ from the built-in defaults");
  show->callback([&ctx, changed] { ctx.run = [&ctx, changed] { return run_show(ctx, *changed); }; });
  auto* check = command.add_subcommand("check", "Validate the config file, .env and environment");
  check->callback([&ctx] { ctx.run = [&ctx] { return run_check(ctx); }; });
}

}  // namespace bscbot::cmd
