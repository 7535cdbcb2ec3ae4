// bscbot report weekly: the manual's Friday performance report
// (`./scripts/weekly-health-summary.sh > reports/weekly_$(date +%Y%m%d).md`) with its key
// metrics (average response time < 200 ms, success rate > 95 %, query P95 < 300 ms, cache hit
// rate > 70 %) over the week, from the samples bscbotd stores and the trades table. `--html FILE`
// writes it as a page with a chart per figure and day, to open in a browser or mail on.
#include <iostream>

#include "cmd/commands.hpp"
#include "core/checks/status.hpp"
#include "core/db/store.hpp"
#include "core/error.hpp"
#include "core/reports/weekly.hpp"
#include "core/util/files.hpp"

namespace bscbot::cmd {

namespace {

void write_report(const std::string& path, const std::string& text) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  core::atomic_write_file(path, text, std::filesystem::perms(0644));
}

int run_weekly(Context& ctx, const std::string& output, const std::string& html, int days) {
  if (html == "-") throw core::Error(core::ErrorKind::usage, "--html needs a file name (the page is not written to stdout); e.g. --html reports/weekly.html");
  const auto& cfg = ctx.config();
  auto store = core::db::open_store(cfg, core::db::Access::read_only);
  const auto now = ctx.clock().now();
  const auto report = core::reports::build_weekly(*store, now, days);
  const std::string md = core::reports::render_weekly(report, cfg);
  auto& out = ctx.out();
  // --html alone writes only the page; with -o both.
  if (!html.empty()) {
    write_report(html, core::reports::render_weekly_html(report, cfg));
    if (output.empty()) {
      auto doc = core::reports::to_json(report);
      doc["html"] = html;
      out.document(doc);
      out.line(out.quiet() ? html
                           : fmt::format("weekly report page written to {} ({} days to {} UTC, samples cover {} %)", html, days, report.until,
                                         core::checks::number_text(report.coverage_percent(), 1)));
      return 0;
    }
  }
  std::string path = output;
  if (path.empty()) {
    const std::string day = core::to_sql_datetime(now).substr(0, 10);
    path = (cfg.path("REPORTS_DIR") / fmt::format("weekly_{}{}{}.md", day.substr(0, 4), day.substr(5, 2), day.substr(8, 2))).string();
  }
  if (path == "-") {
    auto doc = core::reports::to_json(report);
    doc["markdown"] = md;
    if (!html.empty()) doc["html"] = html;
    out.document(doc);
    if (!out.json()) std::cout << md;
    return 0;
  }
  write_report(path, md);
  auto doc = core::reports::to_json(report);
  doc["path"] = path;
  if (!html.empty()) doc["html"] = html;
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
  auto html = std::make_shared<std::string>();
  auto days = std::make_shared<int>(7);
  auto* weekly = command.add_subcommand("weekly", "The manual's Friday performance report: response times, success rate, query P95, cache hits");
  weekly->add_option("-o,--output", *output, "Write the Markdown here ('-' for stdout; default REPORTS_DIR/weekly_YYYYmmdd.md)");
  weekly->add_option("--html", *html, "Also (or, without -o, only) write the report as an HTML page with charts, to open in a browser");
  weekly->add_option("--days", *days, "Length of the period ending now, in days")->capture_default_str()->check(CLI::Range(1, 35));
  weekly->callback([&ctx, output, html, days] { ctx.run = [&ctx, output, html, days] { return run_weekly(ctx, *output, *html, *days); }; });
}

}  // namespace bscbot::cmd
