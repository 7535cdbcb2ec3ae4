// bscbot report weekly: the manual's Friday performance report
// (`./scripts/weekly-health-summary.sh > reports/weekly_$(date +%Y%m%d).md`) with its key
// metrics (average response time < 200 ms, success rate > 95 %, query P95 < 300 ms, cache hit
// rate > 70 %) over the week, from the samples bscbotd stores and the trades table.
#include <iostream>

#include "cmd/commands.hpp"
#include "core/checks/status.hpp"
#include "core/db/store.hpp"
#include "core/reports/weekly.hpp"
#include "core/util/files.hpp"

namespace bscbot::cmd {

namespace {

int run_weekly(Context& ctx, const std::string& output, int days) {
  const auto& cfg = ctx.config();
  auto store = core::db::open_store(cfg, core::db::Access::read_only);
  const auto now = ctx.clock().now();
  const auto report = core::reports::build_weekly(*store, now, days);
  const std::string md = core::reports::render_weekly(report, cfg);
  std::string path = output;
  if (path.empty()) {
    const std::string day = core::to_sql_datetime(now).substr(0, 10);
    path = (cfg.path("REPORTS_DIR") / fmt::format("weekly_{}{}{}.md", day.substr(0, 4), day.substr(5, 2), day.substr(8, 2))).string();
  }
  auto& out = ctx.out();
  if (path == "-") {
    auto doc = core::reports::to_json(report);
    doc["markdown"] = md;
    out.document(doc);
    if (!out.json()) std::cout << md;
    return 0;
  }
  std::filesystem::create_directories(std::filesystem::path(path).parent_path().empty() ? "." : std::filesystem::path(path).parent_path());
  core::atomic_write_file(path, md, std::filesystem::perms(0644));
  auto doc = core::reports::to_json(report);
  doc["path"] = path;
  out.document(doc);
  out.line(out.quiet() ? path
                       : fmt::format("weekly report written to {} ({} days to {} UTC, samples cover {} %)", path, days,
                                     report.until, core::checks::number_text(report.coverage_percent(), 1)));
  return 0;
}

}  // namespace

void setup_report(CLI::App& command, Context& ctx) {
  command.require_subcommand(1);
  auto output = std::make_shared<std::string>();
  auto days = std::make_shared<int>(7);
  auto* weekly = command.add_subcommand("weekly", "The manual's Friday performance report: response times, success rate, query P95, cache hits");
  weekly->add_option("-o,--output", *output, "Write the Markdown here ('-' for stdout; default REPORTS_DIR/weekly_YYYYmmdd.md)");
  weekly->add_option("--days", *days, "Length of the period ending now, in days")->capture_default_str()->check(CLI::Range(1, 35));
  weekly->callback([&ctx, output, days] { ctx.run = [&ctx, output, days] { return run_weekly(ctx, *output, *days); }; });
}

}  // namespace bscbot::cmd
