// The audit as the manual's Markdown security report (security-audit-YYYYMMDD.md), with every
// finding's evidence and fix instead of "[manual review required]".
#include <fmt/format.h>

#include "core/audit/audit.hpp"

namespace bscbot::core::audit {

namespace {

// A table cell: pipes escaped, line breaks flattened.
std::string cell(std::string text) {
  std::string out;
  for (const char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

template <typename T>
std::string or_dash(const std::optional<T>& v) {
  return v ? fmt::format("{}", *v) : std::string("not available");
}

}  // namespace

std::string render_markdown(const AuditReport& report) {
  int counts[4] = {};
  for (const auto& f : report.findings) ++counts[static_cast<int>(f.severity)];
  std::string md;
  md += "# Security Audit Report\n";
  md += fmt::format("Date: {}\n", report.generated_at);
  md += fmt::format("Deployment: {} ({})\n", report.deployment_dir, report.production ? "judged as production" : "not production");
  md += fmt::format("Result: **{}** ({} critical, {} warning, {} unknown, {} passed)\n\n", checks::to_string(report.status),
                    counts[static_cast<int>(checks::Status::crit)], counts[static_cast<int>(checks::Status::warn)],
                    counts[static_cast<int>(checks::Status::unknown)], counts[static_cast<int>(checks::Status::ok)]);

  md += "## Summary\n";
  md += fmt::format("- Unauthorized attempts (401/403, last 7 days): {}\n", or_dash(report.facts.unauthorized));
  md += fmt::format("- Suspicious trades: {} above the amount limit, {} changed after completion\n", or_dash(report.facts.large_trades),
                    or_dash(report.facts.modified_trades));
  md += fmt::format("- Newest good backup: {}\n\n", report.facts.newest_backup.value_or("none"));

  md += "## Findings\n";
  bool any = false;
  for (const auto& f : report.findings) {
    if (f.severity == checks::Status::ok) continue;
    if (!any) md += "| Severity | Check | Evidence | Fix |\n|---|---|---|---|\n";
    any = true;
    md += fmt::format("| {} | {} | {} | {} |\n", checks::to_string(f.severity), cell(f.title), cell(f.evidence), cell(f.fix));
  }
  if (!any) md += "None: every check passed.\n";
  md += "\n## Passed\n";
  for (const auto& f : report.findings) {
    if (f.severity == checks::Status::ok) md += fmt::format("- **{}**: {}\n", f.title, f.evidence);
  }

  md += "\n## Recommendations\n";
  for (const auto& f : report.findings) {
    if (f.severity != checks::Status::ok && !f.fix.empty()) md += fmt::format("- [ ] {}: {}\n", f.title, f.fix);
  }
  return md;
}

}  // namespace bscbot::core::audit
