#pragma once
// `bscbot incident`: the manual's incident-report.sh and its S1-S4 flows. A report is a
// Markdown file in REPORTS_DIR named like the manual's (incident_S2_20261125_191531.md); its
// stem is the ID, so operators can edit the file by hand and the ID stays. Notes and the
// resolution are written into the file (atomically, under a lock), not kept anywhere else.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/checks/backups.hpp"
#include "core/checks/health.hpp"
#include "core/db/trade.hpp"
#include "core/diagnose/diagnose.hpp"
#include "core/notify/message.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::reports {

enum class Severity { s1, s2, s3, s4 };

// "S1".."S4" (case-insensitive); nullopt otherwise.
std::optional<Severity> parse_severity(std::string_view text);
std::string_view to_string(Severity s);

// The manual's severity level: name, response time, symptoms and response flow, with its
// shell lines translated to bscbot commands where one exists.
struct SeverityGuide {
  std::string_view name;       // "Critical"
  std::string_view response;   // "15-minute response"
  std::vector<std::string_view> symptoms;
  std::vector<std::string_view> steps;
};
const SeverityGuide& guide(Severity s);

// What an on-call engineer needs at the moment the incident is opened.
struct IncidentFacts {
  checks::HealthReport health;
  std::vector<std::string> error_lines;        // newest last
  std::string error_source;                    // which log and window
  std::vector<db::Trade> failed_trades;        // newest first
  std::optional<std::int64_t> failed_since_detected;
  std::optional<std::int64_t> pending_since_detected;
  std::optional<std::int64_t> wallets_since_detected;
  std::string trades_note;                     // why trades are missing, when they are
  std::optional<checks::BackupFile> newest_backup;
  std::string backup_note;                     // its check result, or why there is none
  std::optional<diagnose::DiagnoseReport> diagnosis;  // `bscbot diagnose` at opening
};

struct NewIncident {
  Severity severity = Severity::s3;
  std::string description;
  std::string reporter;
  SystemTime detected;
  SystemTime responded;
};

// Gathers the facts for an incident detected at `detected`: a health run, the log's error
// lines of the last 24 h, recent failed trades, the newest backup. Never throws for an
// unreadable part (its note says why).
IncidentFacts gather_incident_facts(const config::Config& cfg, const checks::HealthEdges& edges, SystemTime detected);

// The report's Markdown: the manual's template, filled.
std::string render_incident(const NewIncident& incident, const IncidentFacts& facts);

struct IncidentSummary {
  std::string id;                     // file stem
  std::filesystem::path path;
  Severity severity = Severity::s3;
  SystemTime created;                 // from the ID
  std::string description;
  bool resolved = false;
  std::string resolved_at;            // as written in the report
  std::string duration;               // as written in the report
};

// The notification of a new incident: key "incident.<id>", the incident ID as alert ID, S1
// critical to S4 low; the health verdict and the diagnosis are its evidence.
notify::Event incident_event(const IncidentSummary& s, const IncidentFacts& facts);

class IncidentStore {
public:
  explicit IncidentStore(std::filesystem::path dir) : m_dir(std::move(dir)) {}

  // Writes a new report (never overwriting one) and returns its summary.
  IncidentSummary create(const NewIncident& incident, const IncidentFacts& facts);

  // Every report in the folder, oldest first.
  std::vector<IncidentSummary> list() const;

  // The report `id` (its stem or file name); throws core::Error(not_found) naming the folder.
  IncidentSummary find(const std::string& id) const;
  std::string markdown(const std::string& id) const;

  // Appends a timestamped line to the report's Timeline.
  IncidentSummary note(const std::string& id, const std::string& text, SystemTime at);

  // Fills in the resolution time and the duration since detection; throws
  // core::Error(conflict) when already resolved.
  IncidentSummary resolve(const std::string& id, SystemTime at, const std::string& note);

  const std::filesystem::path& dir() const { return m_dir; }

private:
  std::filesystem::path m_dir;
};

// The summary of a report's text (exposed for tests of hand-edited reports).
IncidentSummary summarize(const std::string& id, const std::filesystem::path& path, const std::string& markdown);

// Inserts `line` as the last entry of the section headed `heading` ("## Timeline"), adding the
// section at the end when an operator removed it.
std::string append_to_section(const std::string& markdown, std::string_view heading, const std::string& line);

// Replaces the first line starting with `prefix` ("- **Resolved**:"), or appends `line` to
// `heading`'s section when there is none.
std::string replace_line(const std::string& markdown, std::string_view prefix, const std::string& line, std::string_view heading);

}  // namespace bscbot::core::reports
