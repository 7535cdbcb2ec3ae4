// bscbot logs tail|errors|archive: `tail -f logs/api-server.log`, `tail -1000 ... | grep -i
// error`, and the manual's monthly archive — which deletes logs only after the archive has been
// read back and matched.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "cmd/commands.hpp"
#include "core/logs/log_archive.hpp"
#include "core/logs/log_files.hpp"
#include "core/util/clock.hpp"

namespace fs = std::filesystem;

namespace bscbot::cmd {

namespace {

int run_tail(Context& ctx, std::size_t lines, bool follow) {
  const fs::path file = ctx.config().log_file();
  const auto last = core::logs::tail_lines(file, lines);
  ctx.out().document({{"file", file.string()}, {"lines", last}});
  if (ctx.out().json()) return 0;
  for (const auto& l : last) std::cout << l << "\n";
  if (!follow) return 0;
  // Follow like `tail -F`: survive rotation by reopening when the inode changes.
  std::ifstream in(file, std::ios::binary);
  in.seekg(0, std::ios::end);
  struct stat st {};
  ::stat(file.c_str(), &st);
  ino_t inode = st.st_ino;
  std::string line;
  for (;;) {
    while (std::getline(in, line)) std::cout << line << "\n" << std::flush;
    in.clear();
    if (::stat(file.c_str(), &st) == 0 && st.st_ino != inode) {
      in = std::ifstream(file, std::ios::binary);
      inode = st.st_ino;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

int run_errors(Context& ctx, std::size_t scan) {
  const auto& cfg = ctx.config();
  const auto errors = core::logs::recent_errors(cfg.log_dir(), scan);
  ctx.out().document({{"scanned_lines", scan}, {"count", errors.size()}, {"lines", errors}});
  for (const auto& l : errors) ctx.out().line(l);
  ctx.out().note(fmt::format("{} error line(s) in the last {} log lines (warning level: {} a day)", errors.size(), scan, cfg.integer("LOG_ERRORS_WARN")));
  return 0;
}

int run_archive(Context& ctx, const std::string& older_than, bool dry_run) {
  const auto& cfg = ctx.config();
  const auto age = older_than.empty() ? std::chrono::seconds(cfg.integer("LOG_ARCHIVE_DAYS") * 86400) : core::parse_duration(older_than);
  const auto plan = core::logs::plan_archive(cfg.log_dir(), age, ctx.clock());
  auto& out = ctx.out();
  std::vector<std::string> names;
  for (const auto& f : plan.files) names.push_back(f.filename().string());
  if (plan.files.empty()) {
    out.document({{"archive", nullptr}, {"files", names}, {"dry_run", dry_run}});
    out.line(fmt::format("no logs in {} older than {}", cfg.log_dir().string(), core::format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(age))));
    return 0;
  }
  if (dry_run) {
    out.document({{"archive", plan.archive.string()}, {"files", names}, {"bytes", plan.bytes}, {"dry_run", true}});
    out.line(fmt::format("would archive {} log(s), {}, into {} and then delete them", plan.files.size(), human_bytes(static_cast<double>(plan.bytes)), plan.archive.string()));
    for (const auto& n : names) out.line("  " + n);
    return 0;
  }
  const auto result = core::logs::archive(plan);
  std::vector<std::string> already;
  for (const auto& f : result.already_archived) already.push_back(f.filename().string());
  out.document({{"archive", result.written ? nlohmann::json(plan.archive.string()) : nlohmann::json(nullptr)}, {"files", names},
                {"bytes", plan.bytes}, {"archive_bytes", result.archive_bytes}, {"deleted", result.deleted.size()},
                {"already_archived", already}, {"dry_run", false}});
  if (!already.empty()) {
    out.line(fmt::format("deleted {} log(s) an earlier run had already archived: {}", already.size(), fmt::join(already, ", ")));
  }
  if (result.written) {
    out.line(fmt::format("archived {} log(s) into {} ({}), verified, and deleted the originals", result.plan.files.size(), plan.archive.string(),
                         human_bytes(static_cast<double>(result.archive_bytes))));
  }
  return 0;
}

}  // namespace

void setup_logs(CLI::App& command, Context& ctx) {
  command.require_subcommand(1);
  auto lines = std::make_shared<std::size_t>(50);
  auto scan = std::make_shared<std::size_t>(1000);
  auto follow = std::make_shared<bool>(false);
  auto older_than = std::make_shared<std::string>();
  auto dry_run = std::make_shared<bool>(false);

  auto* tail = command.add_subcommand("tail", "Print the last lines of logs/api-server.log");
  tail->add_option("-n,--lines", *lines, "How many lines")->capture_default_str();
  tail->add_flag("-f,--follow", *follow, "Keep printing new lines, across rotations (Ctrl-C to stop)");
  tail->callback([&ctx, lines, follow] { ctx.run = [&ctx, lines, follow] { return run_tail(ctx, *lines, *follow); }; });

  auto* errors = command.add_subcommand("errors", "Error lines among the most recent log lines (the manual's grep -i error)");
  errors->add_option("--scan", *scan, "How many recent lines to look through")->capture_default_str();
  errors->callback([&ctx, scan] { ctx.run = [&ctx, scan] { return run_errors(ctx, *scan); }; });

  auto* archive = command.add_subcommand("archive", "Move logs older than LOG_ARCHIVE_DAYS into logs/archive_YYYYMM.tar.gz, verified before deleting");
  archive->add_option("--older-than", *older_than, "Age such as 30d (default LOG_ARCHIVE_DAYS)");
  archive->add_flag("--dry-run", *dry_run, "Only list what would be archived");
  archive->callback([&ctx, older_than, dry_run] { ctx.run = [&ctx, older_than, dry_run] { return run_archive(ctx, *older_than, *dry_run); }; });
}

}  // namespace bscbot::cmd
