#include "core/reports/incident.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <regex>

#include "core/checks/log_scan.hpp"
#include "core/db/store.hpp"
#include "core/error.hpp"
#include "core/util/files.hpp"
#include "core/util/wei.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::reports {

namespace {

const std::regex k_id_pattern(R"(incident_(S[1-4])_([0-9]{8})_([0-9]{6})(_[0-9]+)?)");

std::string utc(SystemTime t) { return to_sql_datetime(t) + " UTC"; }

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  const auto first = text.find_first_not_of(' ');
  const auto last = text.find_last_not_of(' ');
  return first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
}

std::string cell(const std::string& text) {
  std::string out;
  for (const char c : one_line(text)) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = text.find('\n', start);
    if (end == std::string::npos) {
      if (start < text.size()) lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// The value after `prefix` on the first line that starts with it.
std::optional<std::string> line_value(const std::string& markdown, std::string_view prefix) {
  for (const auto& line : split_lines(markdown)) {
    if (starts_with(line, prefix)) return one_line(line.substr(prefix.size()));
  }
  return std::nullopt;
}

bool filled(const std::optional<std::string>& v) { return v && !v->empty() && v->front() != '['; }

// Serialises writers of one reports folder (two `incident note` at once must both land).
class FolderLock {
public:
  explicit FolderLock(const fs::path& dir) {
    m_fd = ::open((dir / ".incident.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (m_fd < 0 || ::flock(m_fd, LOCK_EX) != 0) {
      throw Error(ErrorKind::io, fmt::format("cannot lock {}: {}", (dir / ".incident.lock").string(), std::strerror(errno)));
    }
  }
  ~FolderLock() {
    if (m_fd >= 0) ::close(m_fd);
  }
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

private:
  int m_fd = -1;
};

std::string stem_of(const std::string& id) {
  std::string s = fs::path(id).filename().string();
  if (s.size() > 3 && s.compare(s.size() - 3, 3, ".md") == 0) s.resize(s.size() - 3);
  return s;
}

}  // namespace

std::optional<Severity> parse_severity(std::string_view text) {
  if (text.size() != 2 || (text[0] != 'S' && text[0] != 's')) return std::nullopt;
  switch (text[1]) {
    case '1': return Severity::s1;
    case '2': return Severity::s2;
    case '3': return Severity::s3;
    case '4': return Severity::s4;
  }
  return std::nullopt;
}

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::s1: return "S1";
    case Severity::s2: return "S2";
    case Severity::s3: return "S3";
    case Severity::s4: return "S4";
  }
  return "S3";
}

const SeverityGuide& guide(Severity s) {
  static const SeverityGuide s1{
      "Critical", "15-minute response",
      {"Service completely down", "Data loss or corruption", "Security breach exploited"},
      {"Notify the on-call engineer now: `echo \"CRITICAL: BSC Trading Bot down\" | mail -s \"S1 Incident\" oncall@team.com` "
       "and #bsc-bot-alerts.",
       "Quick diagnosis: `bscbot health` (snapshot below) and `bscbot logs errors` (last error lines below).",
       "Emergency fix, option A (roll back the release): `git checkout <last-stable-commit>`, `cmake --build build`, "
       "`bscbot daemon restart`.",
       "Emergency fix, option B (restore the database): `bscbot restore --latest` verifies the newest good backup, stops "
       "bscbotd, swaps the file and starts it again (newest backup below).",
       "Verify recovery: `bscbot health` exits 0 and `bscbot daemon status` says running.",
       "Root-cause analysis after the incident: record findings with `bscbot incident note ID \"…\"`, close with "
       "`bscbot incident resolve ID`."}};
  static const SeverityGuide s2{
      "High", "1-hour response",
      {"Severe performance degradation", "Partial functionality unavailable", "High error rate (> 10 %)"},
      {"Confirm the scope: `bscbot health` and `bscbot report weekly --output -` (response times, error rate, query P95).",
       "Isolate the issue; for a WebSocket issue set WEBSOCKET_ENABLED=false in .env and `bscbot daemon restart`.",
       "Monitor the effect of the fix: `bscbot health --watch 5`.",
       "Log the incident as you go: `bscbot incident note ID \"…\"` (this report)."}};
  static const SeverityGuide s3{
      "Medium", "4-hour response",
      {"Cache misses", "Slow queries increasing", "Non-critical feature issues"},
      {"Performance analysis: `bscbot health --full` and `grep \"Query took\" logs/api-server.log | tail -20`.",
       "Optimise the database: `bscbot db vacuum` and `bscbot db analyze`; raise PRICE_CACHE_TTL_MS for a while if the "
       "cache misses.",
       "Monitor the trend: `tail -f logs/api-server.log | grep response_time` or `bscbot health --watch 60`."}};
  static const SeverityGuide s4{
      "Low", "24-hour response",
      {"Alert thresholds approaching", "Disk space warning", "Non-urgent optimisation needs"},
      {"Plan a maintenance window.",
       "Prepare the optimisation plan (`bscbot health`, `bscbot db stats`, `bscbot db cleanup --dry-run`).",
       "Execute it during off-peak hours."}};
  switch (s) {
    case Severity::s1: return s1;
    case Severity::s2: return s2;
    case Severity::s3: return s3;
    case Severity::s4: return s4;
  }
  return s3;
}

IncidentFacts gather_incident_facts(const config::Config& cfg, const checks::HealthEdges& edges, SystemTime detected) {
  IncidentFacts facts;
  facts.health = checks::run_health(cfg, checks::HealthOptions{}, edges);
  const SystemTime now = edges.clock->now();
  const auto scan = checks::scan_log(cfg.log_file(), to_sql_datetime(now - std::chrono::hours(24)), 20);
  facts.error_lines = scan.last_errors;
  facts.error_source = scan.files.empty() ? "no log at " + cfg.log_file().string()
                                          : fmt::format("{} error line(s) in the last 24 h of {}; the last {} shown", scan.error_lines,
                                                        cfg.log_file().string(), scan.last_errors.size());
  try {
    auto store = db::open_store(cfg, db::Access::read_only);
    db::TradeStore& trades = store->trades();
    db::HistoryQuery q;
    q.limit = 10;
    q.status = db::TradeStatus::failed;
    facts.failed_trades = trades.history(q);
    const auto since = trades.stats(detected);
    facts.failed_since_detected = since.failed;
    facts.pending_since_detected = since.pending;
    facts.wallets_since_detected = since.distinct_wallets;
  } catch (const std::exception& e) {
    facts.trades_note = std::string("trades not readable: ") + e.what();
  }
  diagnose::DiagnoseEdges dedges = diagnose::real_diagnose_edges(cfg, std::chrono::milliseconds(2000));
  dedges.clock = edges.clock;
  dedges.daemon = edges.daemon;
  facts.diagnosis = diagnose::run_diagnose(cfg, {}, diagnose::DiagnoseOptions{}, dedges);
  const auto backups = checks::find_backups(cfg.path("BACKUP_DIR"));
  if (backups.empty()) {
    facts.backup_note = "no backup under " + cfg.path("BACKUP_DIR").string();
  } else {
    facts.newest_backup = backups.front();
    const auto verdict = checks::inspect_backup(backups.front(), checks::BackupDepth::header);
    facts.backup_note = verdict.good ? "header ok (run `bscbot backup verify FILE` before restoring)" : "looks damaged: " + verdict.reason;
  }
  return facts;
}

std::string render_incident(const NewIncident& incident, const IncidentFacts& facts) {
  const std::string_view sev = to_string(incident.severity);
  const SeverityGuide& g = guide(incident.severity);
  std::string md;
  md += fmt::format("# Incident Report: {}\n\n", sev);
  md += "## Summary\n";
  md += fmt::format("- **Date**: {}\n", utc(incident.responded));
  md += fmt::format("- **Severity**: {} ({}, {})\n", sev, g.name, g.response);
  md += fmt::format("- **Description**: {}\n", one_line(incident.description));
  md += fmt::format("- **Reporter**: {}\n", incident.reporter);
  md += "- **Status**: open\n\n";

  md += "## Timeline\n";
  md += fmt::format("- **Detected**: {}\n", utc(incident.detected));
  md += fmt::format("- **Responded**: {}\n", utc(incident.responded));
  md += "- **Resolved**: [To be updated]\n\n";

  md += "## Impact\n";
  const auto opt = [](const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : std::string("?"); };
  md += fmt::format("- Affected users: [To be determined] (wallets with trades since detection: {})\n", opt(facts.wallets_since_detected));
  md += "- Duration: [To be calculated]\n";
  md += fmt::format("- Transactions affected: [To be counted] (since detection: {} failed, {} pending)\n\n", opt(facts.failed_since_detected),
                    opt(facts.pending_since_detected));

  md += fmt::format("## Response ({}: {}, {})\n", sev, g.name, g.response);
  md += fmt::format("Symptoms of this level: {}.\n\n", fmt::join(g.symptoms, "; "));
  for (std::size_t i = 0; i < g.steps.size(); ++i) md += fmt::format("{}. [ ] {}\n", i + 1, g.steps[i]);
  md += "\n";

  md += fmt::format("## Health at {} (`bscbot health`: {})\n", facts.health.generated_at, checks::to_string(facts.health.status));
  md += "| Check | Status | Value | Detail |\n|---|---|---|---|\n";
  for (const auto& c : facts.health.checks) {
    md += fmt::format("| {} | {} | {} | {} |\n", c.name, checks::to_string(c.status), cell(c.value), cell(c.detail));
  }
  md += "\n## Last error lines\n";
  md += facts.error_source + "\n";
  if (!facts.error_lines.empty()) {
    md += "```text\n";
    for (const auto& l : facts.error_lines) md += l + "\n";
    md += "```\n";
  }
  md += "\n## Recent failed trades\n";
  if (!facts.trades_note.empty()) {
    md += facts.trades_note + "\n";
  } else if (facts.failed_trades.empty()) {
    md += "No failed trades.\n";
  } else {
    md += "| ID | Created (UTC) | Wallet | Amount in (BNB) | Tx | Error |\n|---|---|---|---|---|---|\n";
    for (const auto& t : facts.failed_trades) {
      md += fmt::format("| {} | {} | {} | {} | {} | {} |\n", t.id, to_sql_datetime(t.created_at), t.wallet_address,
                        format_units(t.amount_in.value(), 18), t.tx_hash.value_or("-"), cell(t.error.value_or("-")));
    }
  }
  md += "\n## Newest backup\n";
  if (facts.newest_backup) {
    const auto& b = *facts.newest_backup;
    md += fmt::format("- `{}`: {}, modified {}; {}\n", b.path.string(), checks::bytes_text(static_cast<double>(b.bytes)), utc(b.modified),
                      facts.backup_note);
  } else {
    md += "- " + facts.backup_note + "\n";
  }

  if (facts.diagnosis) {
    md += fmt::format("\n## Diagnosis at {} (`bscbot diagnose`: {})\n", facts.diagnosis->generated_at, checks::to_string(facts.diagnosis->status));
    md += diagnose::to_markdown(*facts.diagnosis);
  }
  md += "\n## Root Cause\n[To be investigated]\n\n";
  md += "## Actions Taken\n1. [Action 1]\n2. [Action 2]\n\n";
  md += "## Prevention\n- [ ] Update monitoring alerts\n- [ ] Add automated safeguards\n- [ ] Document lessons learned\n\n";
  md += "## Follow-up\n- [ ] Post-mortem meeting\n- [ ] Update runbook\n- [ ] Implement preventive measures\n";
  return md;
}

notify::Event incident_event(const IncidentSummary& s, const IncidentFacts& facts) {
  notify::Event e;
  e.key = "incident." + s.id;
  e.id = s.id;
  e.severity = s.severity == Severity::s1 ? notify::Severity::critical
               : s.severity == Severity::s2 ? notify::Severity::high
               : s.severity == Severity::s3 ? notify::Severity::medium
                                            : notify::Severity::low;
  const SeverityGuide& g = guide(s.severity);
  e.what = fmt::format("{} Incident ({}): {}", to_string(s.severity), g.name, s.description);
  e.since = s.created;
  e.evidence.push_back(fmt::format("report {}", s.path.string()));
  e.evidence.push_back("health at opening: " + checks::summary_line(facts.health));
  if (facts.diagnosis) {
    e.evidence.push_back("diagnosis: " + facts.diagnosis->decision);
    for (const auto& p : facts.diagnosis->problems) {
      if (p.status == checks::Status::crit || p.status == checks::Status::warn) {
        e.evidence.push_back(fmt::format("{} {}: {}", diagnose::to_string(p.problem), checks::to_string(p.status), p.summary));
      }
    }
  }
  for (std::size_t i = 0; i < facts.error_lines.size() && i < 3; ++i) e.evidence.push_back("log: " + facts.error_lines[facts.error_lines.size() - 1 - i]);
  e.next = fmt::format("bscbot incident show {}; then the response steps ({})", s.id, g.response);
  e.source = "bscbot incident new";
  return e;
}

std::string append_to_section(const std::string& markdown, std::string_view heading, const std::string& line) {
  std::vector<std::string> lines = split_lines(markdown);
  std::size_t start = lines.size();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (one_line(lines[i]) == heading) {
      start = i;
      break;
    }
  }
  if (start == lines.size()) {
    if (!lines.empty() && !one_line(lines.back()).empty()) lines.emplace_back();
    lines.emplace_back(heading);
    lines.push_back(line);
    return join_lines(lines);
  }
  std::size_t end = start + 1;
  while (end < lines.size() && !starts_with(lines[end], "## ") && !starts_with(lines[end], "# ")) ++end;
  std::size_t insert = end;
  while (insert > start + 1 && one_line(lines[insert - 1]).empty()) --insert;
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(insert), line);
  return join_lines(lines);
}

std::string replace_line(const std::string& markdown, std::string_view prefix, const std::string& line, std::string_view heading) {
  std::vector<std::string> lines = split_lines(markdown);
  for (auto& l : lines) {
    if (starts_with(l, prefix)) {
      l = line;
      return join_lines(lines);
    }
  }
  return append_to_section(markdown, heading, line);
}

IncidentSummary summarize(const std::string& id, const fs::path& path, const std::string& markdown) {
  IncidentSummary s;
  s.id = id;
  s.path = path;
  std::smatch m;
  if (std::regex_match(id, m, k_id_pattern)) {
    s.severity = parse_severity(m[1].str()).value_or(Severity::s3);
    try {
      const std::string d = m[2].str(), t = m[3].str();
      s.created = parse_sql_datetime(fmt::format("{}-{}-{} {}:{}:{}", d.substr(0, 4), d.substr(4, 2), d.substr(6, 2), t.substr(0, 2),
                                                 t.substr(2, 2), t.substr(4, 2)));
    } catch (const Error&) {
    }
  }
  s.description = line_value(markdown, "- **Description**:").value_or("");
  const auto resolved = line_value(markdown, "- **Resolved**:");
  const auto status = line_value(markdown, "- **Status**:");
  s.resolved = filled(resolved) || (status && status->rfind("resolved", 0) == 0);
  if (filled(resolved)) s.resolved_at = *resolved;
  const auto duration = line_value(markdown, "- Duration:");
  if (filled(duration)) s.duration = *duration;
  return s;
}

IncidentSummary IncidentStore::create(const NewIncident& incident, const IncidentFacts& facts) {
  if (one_line(incident.description).empty()) {
    throw Error(ErrorKind::usage, "the incident needs a description, e.g. bscbot incident new --severity S2 \"High error rate\"");
  }
  std::error_code ec;
  fs::create_directories(m_dir, ec);
  if (ec) throw Error(ErrorKind::io, fmt::format("cannot create {}: {}", m_dir.string(), ec.message()));
  FolderLock lock(m_dir);
  const std::string compact = to_sql_datetime(incident.responded);  // "YYYY-MM-DD HH:MM:SS"
  const std::string stamp = compact.substr(0, 4) + compact.substr(5, 2) + compact.substr(8, 2) + "_" + compact.substr(11, 2) +
                            compact.substr(14, 2) + compact.substr(17, 2);
  std::string id = fmt::format("incident_{}_{}", to_string(incident.severity), stamp);
  for (int n = 2; fs::exists(m_dir / (id + ".md"), ec); ++n) id = fmt::format("incident_{}_{}_{}", to_string(incident.severity), stamp, n);
  const std::string md = render_incident(incident, facts);
  const fs::path path = m_dir / (id + ".md");
  atomic_write_file(path, md, fs::perms(0640));
  return summarize(id, path, md);
}

std::vector<IncidentSummary> IncidentStore::list() const {
  std::vector<IncidentSummary> out;
  std::error_code ec;
  if (!fs::is_directory(m_dir, ec)) return out;
  for (const auto& entry : fs::directory_iterator(m_dir, ec)) {
    if (entry.path().extension() != ".md") continue;
    const std::string id = entry.path().stem().string();
    if (!std::regex_match(id, k_id_pattern)) continue;
    try {
      out.push_back(summarize(id, entry.path(), read_file(entry.path())));
    } catch (const Error&) {
      // Removed between listing and reading: not there any more.
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.created != b.created ? a.created < b.created : a.id < b.id; });
  return out;
}

IncidentSummary IncidentStore::find(const std::string& id) const {
  const std::string stem = stem_of(id);
  const fs::path path = m_dir / (stem + ".md");
  std::error_code ec;
  if (stem.empty() || !std::regex_match(stem, k_id_pattern) || !fs::is_regular_file(path, ec)) {
    throw Error(ErrorKind::not_found,
                fmt::format("no incident '{}' in {}; `bscbot incident list` shows the IDs", id, m_dir.string()));
  }
  return summarize(stem, path, read_file(path));
}

std::string IncidentStore::markdown(const std::string& id) const { return read_file(find(id).path); }

IncidentSummary IncidentStore::note(const std::string& id, const std::string& text, SystemTime at) {
  const std::string line = one_line(text);
  if (line.empty()) throw Error(ErrorKind::usage, "the note is empty; say what happened, e.g. \"restarted bscbotd\"");
  FolderLock lock(m_dir);
  const IncidentSummary s = find(id);
  const std::string md = append_to_section(read_file(s.path), "## Timeline", fmt::format("- **{}**: {}", utc(at), line));
  atomic_write_file(s.path, md, fs::perms(0640));
  return summarize(s.id, s.path, md);
}

IncidentSummary IncidentStore::resolve(const std::string& id, SystemTime at, const std::string& note) {
  FolderLock lock(m_dir);
  const IncidentSummary s = find(id);
  if (s.resolved) {
    throw Error(ErrorKind::conflict, fmt::format("incident {} is already resolved ({}); add a note instead", s.id,
                                                 s.resolved_at.empty() ? "Status: resolved" : s.resolved_at));
  }
  std::string md = read_file(s.path);
  // Duration from the Detected line; an operator may have edited it into something unreadable.
  SystemTime detected = s.created;
  std::string from = "the report's creation";
  if (const auto d = line_value(md, "- **Detected**:")) {
    std::string text = *d;
    if (text.size() > 4 && text.compare(text.size() - 4, 4, " UTC") == 0) text.resize(text.size() - 4);
    try {
      detected = parse_sql_datetime(text);
      from = "detection";
    } catch (const Error&) {
    }
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(at - detected);
  const std::string duration = took.count() >= 0 ? format_duration(took) : std::string("0ms");
  md = replace_line(md, "- **Resolved**:", fmt::format("- **Resolved**: {}", utc(at)), "## Timeline");
  md = replace_line(md, "- Duration:", fmt::format("- Duration: {} (from {} at {} to resolution at {})", duration, from, utc(detected), utc(at)),
                    "## Impact");
  md = replace_line(md, "- **Status**:", fmt::format("- **Status**: resolved at {}", utc(at)), "## Summary");
  if (!one_line(note).empty()) md = append_to_section(md, "## Timeline", fmt::format("- **{}**: Resolved: {}", utc(at), one_line(note)));
  atomic_write_file(s.path, md, fs::perms(0640));
  return summarize(s.id, s.path, md);
}

}  // namespace bscbot::core::reports
