// bscbot playbook list|show|run: the manual's checklists and incident flows as runbooks that
// call bscbot's own commands, with a summary an operator or cron can read.
#include <filesystem>

#include "cmd/alerting.hpp"
#include "cmd/commands.hpp"
#include "cmd/docs/tree.hpp"
#include "core/error.hpp"
#include "core/playbook/runner.hpp"
#include "core/util/clock.hpp"

namespace fs = std::filesystem;
namespace pb = bscbot::core::playbook;

namespace bscbot::cmd {

namespace {

const CLI::App& root_of(const CLI::App& app) {
  const CLI::App* a = &app;
  while (a->get_parent()) a = a->get_parent();
  return *a;
}

// The option `word` ("--older-than", "-n", "--at=09:00") names on `command`, or nullptr.
const docs::DocOption* find_option(const docs::DocCommand& command, const std::string& word) {
  const auto first = word.find_first_not_of('-');
  if (first == std::string::npos) return nullptr;
  const auto eq = word.find('=');
  const std::string name = word.substr(first, eq == std::string::npos ? std::string::npos : eq - first);
  const bool long_form = word.rfind("--", 0) == 0;
  for (const auto& o : command.options) {
    const auto& names = long_form ? o.longs : o.shorts;
    if (std::find(names.begin(), names.end(), name) != names.end()) return &o;
  }
  return nullptr;
}

const docs::DocCommand* find_child(const docs::DocCommand& command, const std::string& word) {
  const auto child = std::find_if(command.children.begin(), command.children.end(), [&](const auto& c) { return c.name == word; });
  return child == command.children.end() ? nullptr : &*child;
}

// Checks a step's arguments against the real command tree: every word names a subcommand until
// a leaf is reached, and every option exists there or among the global options.
pb::CommandCheck command_check(const CLI::App& root_app) {
  auto tree = std::make_shared<docs::DocCommand>(docs::read_tree(root_app));
  return [tree](const std::vector<std::string>& args) -> std::optional<std::string> {
    const docs::DocCommand* node = tree.get();
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& w = args[i];
      if (w.size() > 1 && w[0] == '-') {
        const docs::DocOption* o = find_option(*node, w);
        if (!o) o = find_option(*tree, w);
        if (!o) return fmt::format("bscbot {} has no option {}", fmt::join(node->path, " "), w);
        if (o->takes_value && w.find('=') == std::string::npos) ++i;
        continue;
      }
      if (const auto* child = find_child(*node, w)) {
        node = child;
      } else if (node->needs_subcommand) {
        return fmt::format("'{}' is not a bscbot{} command", w, node->path.empty() ? "" : " " + fmt::format("{}", fmt::join(node->path, " ")));
      }
    }
    if (node == tree.get()) return std::string("a step must name a bscbot command");
    if (node->needs_subcommand) return fmt::format("bscbot {} needs a subcommand", fmt::format("{}", fmt::join(node->path, " ")));
    return std::nullopt;
  };
}

// Makes words a variable started with '-' reach the step's command as values: an option's value
// is joined to it ("--older-than=-5d"), and positional arguments move after "--", where CLI11
// takes every word as a value. Without this `--var "description=--data-dir=/elsewhere"` would
// be an option of `bscbot incident new`, not its title.
pb::ArgumentShaper argument_shaper(const CLI::App& root_app) {
  auto tree = std::make_shared<docs::DocCommand>(docs::read_tree(root_app));
  return [tree](const std::vector<std::string>& args, const std::vector<bool>& from_variable) {
    const docs::DocCommand* node = tree.get();
    std::vector<std::string> out, positionals;
    bool separator = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& w = args[i];
      if (!from_variable[i] && w.size() > 1 && w[0] == '-') {
        const docs::DocOption* o = find_option(*node, w);
        if (!o) o = find_option(*tree, w);
        if (o && o->takes_value && w.find('=') == std::string::npos && i + 1 < args.size()) {
          const std::string& value = args[++i];
          if (!from_variable[i]) {
            out.push_back(w);
            out.push_back(value);
          } else if (!o->longs.empty()) {
            out.push_back("--" + o->longs.front() + "=" + value);
          } else {
            out.push_back("-" + o->shorts.front() + value);
          }
        } else {
          out.push_back(w);
        }
        continue;
      }
      if (!from_variable[i] && positionals.empty()) {
        if (const auto* child = find_child(*node, w)) {
          node = child;
          out.push_back(w);
          continue;
        }
      }
      positionals.push_back(w);
      separator = separator || from_variable[i];
    }
    if (separator) out.push_back("--");
    out.insert(out.end(), positionals.begin(), positionals.end());
    return out;
  };
}

fs::path playbook_dir(Context& ctx, const std::string& flag) {
  if (!flag.empty()) return flag;
  const auto& cfg = ctx.config();
  if (cfg.is_set("PLAYBOOK_DIR")) return cfg.path("PLAYBOOK_DIR");
  if (fs::is_directory("playbooks")) return "playbooks";
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  for (const fs::path& candidate : {self.parent_path() / "../share/bscbot/playbooks", self.parent_path() / "../../playbooks"}) {
    if (!ec && fs::is_directory(candidate)) return fs::weakly_canonical(candidate);
  }
  return "playbooks";
}

pb::Playbook find_playbook(const fs::path& dir, const std::string& name, const pb::CommandCheck& check) {
  for (const char* ext : {".yaml", ".yml"}) {
    const fs::path file = dir / (name + ext);
    if (fs::exists(file)) return pb::load(file, check);
  }
  std::vector<std::string> names;
  if (fs::is_directory(dir)) {
    for (const auto& p : pb::load_all(dir, check)) names.push_back(p.name);
  }
  throw core::Error(core::ErrorKind::not_found, fmt::format("no playbook '{}' in {}; available: {}", name, dir.string(),
                                                            names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "))));
}

nlohmann::json step_json(const pb::StepResult& r) {
  return {{"id", r.id}, {"title", r.title}, {"args", r.args}, {"manual", r.manual}, {"status", pb::to_string(r.status)},
          {"exit_code", r.exit_code}, {"duration_ms", r.duration.count()}, {"reason", r.reason}, {"output", r.output}};
}

int run_list(Context& ctx, const CLI::App& self, const std::string& dir_flag) {
  const fs::path dir = playbook_dir(ctx, dir_flag);
  const auto all = pb::load_all(dir, command_check(root_of(self)));
  auto& out = ctx.out();
  nlohmann::json doc = nlohmann::json::array();
  Table t({"NAME", "KIND", "STEPS", "SCHEDULE", "TITLE"});
  for (const auto& p : all) {
    doc.push_back({{"name", p.name}, {"kind", p.kind}, {"steps", p.steps.size()}, {"schedule", p.schedule}, {"title", p.title}, {"file", p.file}});
    t.row({p.name, p.kind, std::to_string(p.steps.size()), p.schedule, p.title});
  }
  out.document({{"dir", dir.string()}, {"playbooks", doc}});
  out.line(t.render());
  return 0;
}

int run_show(Context& ctx, const CLI::App& self, const std::string& dir_flag, const std::string& name) {
  const auto p = find_playbook(playbook_dir(ctx, dir_flag), name, command_check(root_of(self)));
  auto& out = ctx.out();
  nlohmann::json steps = nlohmann::json::array();
  out.line(out.paint(p.title, Tone::bold) + fmt::format("  ({}, {})", p.kind, p.file));
  if (!p.description.empty()) out.line(p.description);
  if (!p.schedule.empty()) out.line("schedule: " + p.schedule);
  for (const auto& [k, v] : p.vars) out.line(fmt::format("var {} = '{}'", k, v));
  out.line("");
  int n = 0;
  for (const auto& s : p.steps) {
    const std::string what = s.manual.empty() ? "bscbot " + fmt::format("{}", fmt::join(s.run, " ")) : "MANUAL: " + s.manual;
    out.line(fmt::format("{:>2}. {}{} [{}]", ++n, s.at.empty() ? "" : s.at + " ", s.title, s.id));
    out.line("      " + what);
    if (!s.when.empty()) out.line("      when " + s.when);
    steps.push_back({{"id", s.id}, {"title", s.title}, {"run", s.run}, {"manual", s.manual}, {"when", s.when}, {"allow_exit", s.allow_exit},
                     {"continue_on_failure", s.continue_on_failure}, {"at", s.at}});
  }
  out.document({{"name", p.name}, {"title", p.title}, {"kind", p.kind}, {"schedule", p.schedule}, {"vars", p.vars}, {"steps", steps}});
  return 0;
}

int run_playbook(Context& ctx, const CLI::App& self, const std::string& dir_flag, std::string name,
                 const std::vector<std::string>& var_args, bool dry_run, std::string at) {
  // "daily/09:00" is the playbook and its slot in one word, as systemd timer instances give it.
  if (const auto slash = name.find('/'); slash != std::string::npos) {
    if (!at.empty()) throw core::Error(core::ErrorKind::usage, fmt::format("give the slot either in '{}' or with --at, not both", name));
    at = name.substr(slash + 1);
    name = name.substr(0, slash);
  }
  const auto p = find_playbook(playbook_dir(ctx, dir_flag), name, command_check(root_of(self)));
  pb::RunOptions options;
  options.at = at;
  auto same_slot = [](std::string a, std::string b) {
    std::erase(a, ':');
    std::erase(b, ':');
    return a == b;
  };
  if (!at.empty() && std::none_of(p.steps.begin(), p.steps.end(), [&](const pb::Step& s) { return same_slot(s.at, at); })) {
    throw core::Error(core::ErrorKind::usage, fmt::format("playbook {} has no steps at {}", p.name, at));
  }
  options.dry_run = dry_run ? pb::DryRun::yes : pb::DryRun::no;
  options.shape_args = argument_shaper(root_of(self));
  for (const auto& kv : var_args) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos) throw core::Error(core::ErrorKind::usage, fmt::format("--var '{}' must be NAME=VALUE", kv));
    options.vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  auto& out = ctx.out();
  options.on_step = [&](const pb::StepResult& r) {
    const Tone tone = r.status == pb::StepStatus::ok ? Tone::ok : r.status == pb::StepStatus::failed ? Tone::bad
                      : r.status == pb::StepStatus::manual ? Tone::warn : Tone::dim;
    const std::string what = r.manual.empty() ? "bscbot " + fmt::format("{}", fmt::join(r.args, " ")) : "MANUAL: " + r.manual;
    out.line(fmt::format("[{}] {} - {}", out.paint(pb::to_string(r.status), tone), r.id, r.title));
    out.line("      " + what + (r.duration.count() ? fmt::format("  ({})", core::format_duration(r.duration)) : ""));
    if (!r.reason.empty()) out.line("      " + r.reason);
    if (r.status == pb::StepStatus::failed && !r.output.empty()) {
      std::istringstream lines(r.output);
      for (std::string l; std::getline(lines, l);) out.line("      | " + l);
    }
  };
  // Steps run this same bscbot, with the same config and data folder.
  std::vector<std::string> leading;
  if (!ctx.options.config_file.empty()) leading = {"--config", ctx.options.config_file};
  if (!ctx.options.data_dir.empty()) {
    leading.push_back("--data-dir");
    leading.push_back(ctx.options.data_dir);
  }
  std::error_code ec;
  pb::ProcessExecutor executor(fs::read_symlink("/proc/self/exe", ec).string(), leading);
  out.line(out.paint(fmt::format("{}{}", p.title, dry_run ? " (dry run: nothing is executed)" : ""), Tone::bold));
  const auto report = pb::run(p, executor, options);
  int ok = 0, failed = 0, skipped = 0, manual = 0;
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& r : report.steps) {
    steps.push_back(step_json(r));
    ok += r.status == pb::StepStatus::ok;
    failed += r.status == pb::StepStatus::failed;
    skipped += r.status == pb::StepStatus::skipped;
    manual += r.status == pb::StepStatus::manual;
  }
  out.document({{"playbook", p.name}, {"dry_run", report.dry_run}, {"ok", report.ok}, {"total_ms", report.total.count()}, {"steps", steps}});
  if (!dry_run) {
    out.line(fmt::format("summary: {} ok, {} failed, {} skipped, {} manual, in {}: {}", ok, failed, skipped, manual,
                         core::format_duration(report.total), report.ok ? out.paint("PASSED", Tone::ok) : out.paint("FAILED", Tone::bad)));
  }
  if (dry_run) return report.ok ? 0 : 1;
  // A checklist that fails at 09:00 must reach someone, not only the journal of its timer.
  Watched w{"playbook." + p.name, "bscbot playbook run " + p.name,
            p.kind == "incident" ? core::notify::Severity::high : core::notify::Severity::medium,
            fmt::format("bscbot playbook run {} (the failed steps print their output)", p.name), "", {}};
  std::vector<std::string> failed_ids;
  for (const auto& r : report.steps) {
    if (r.status != pb::StepStatus::failed) continue;
    failed_ids.push_back(r.id);
    w.evidence.push_back(fmt::format("step {} ({}): {}", r.id, r.title, r.reason.empty() ? fmt::format("exit {}", r.exit_code) : r.reason));
  }
  w.failure = fmt::format("{} step(s) failed: {}", failed, fmt::join(failed_ids, ", "));
  return run_watched(ctx, w, [&] { return report.ok ? 0 : 1; });
}

}  // namespace

void setup_playbook(CLI::App& command, Context& ctx) {
  command.require_subcommand(1);
  auto dir = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  auto vars = std::make_shared<std::vector<std::string>>();
  auto dry_run = std::make_shared<bool>(false);
  auto at = std::make_shared<std::string>();

  auto* list = command.add_subcommand("list", "List the playbooks with their kind, schedule and step count");
  list->add_option("--dir", *dir, "Playbook folder (default PLAYBOOK_DIR, ./playbooks, then the installed ones)");
  list->callback([&ctx, list, dir] { ctx.run = [&ctx, list, dir] { return run_list(ctx, *list, *dir); }; });

  auto* show = command.add_subcommand("show", "Print a playbook's steps, commands and conditions");
  show->add_option("name", *name, "Playbook name, e.g. daily")->required();
  show->add_option("--dir", *dir, "Playbook folder");
  show->callback([&ctx, show, dir, name] { ctx.run = [&ctx, show, dir, name] { return run_show(ctx, *show, *dir, *name); }; });

  auto* run = command.add_subcommand("run", "Run a playbook's steps in order and print a summary (exit 1 if a step failed)");
  run->add_option("name", *name, "Playbook name, e.g. daily or incident-s1; daily/09:00 runs one slot")->required();
  run->add_option("--dir", *dir, "Playbook folder");
  run->add_option("--var", *vars, "Set a playbook variable, NAME=VALUE (repeatable)");
  run->add_flag("--dry-run", *dry_run, "Print the plan with variables filled in; run nothing");
  run->add_option("--at", *at, "Run only the steps scheduled at this time of day, e.g. 09:00 (steps without a time always run)");
  run->callback([&ctx, run, dir, name, vars, dry_run, at] {
    ctx.run = [&ctx, run, dir, name, vars, dry_run, at] { return run_playbook(ctx, *run, *dir, *name, *vars, *dry_run, *at); };
  });
}

}  // namespace bscbot::cmd
