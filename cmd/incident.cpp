// bscbot incident new|list|show|note|resolve: the manual's incident-report.sh and its S1-S4
// response flows. `new` writes reports/incident_<S>_<YYYYmmdd_HHMMSS>.md like the manual's
// template, filled with a health snapshot, the last error lines, recent failed trades, the
// newest backup and the response steps of that severity; the file stem is the ID.
#include <pwd.h>
#include <unistd.h>

#include "cmd/alerting.hpp"
#include "cmd/commands.hpp"
#include "core/error.hpp"
#include "core/reports/incident.hpp"

namespace bscbot::cmd {

namespace {

using core::reports::IncidentStore;
using core::reports::IncidentSummary;

std::string current_user() {
  if (const passwd* pw = ::getpwuid(::geteuid()); pw && pw->pw_name) return pw->pw_name;
  if (const char* user = std::getenv("USER")) return user;
  return "unknown";
}

// "15m" (that long ago) or "YYYY-MM-DD HH:MM:SS" (UTC).
core::SystemTime parse_when(const std::string& text, core::SystemTime now) {
  if (!text.empty() && std::isdigit(static_cast<unsigned char>(text.back())) == 0) return now - core::parse_duration(text);
  try {
    return core::parse_sql_datetime(text);
  } catch (const core::Error&) {
    throw core::Error(core::ErrorKind::usage,
                      fmt::format("--detected '{}' is neither an age (15m, 2h) nor a UTC time (YYYY-MM-DD HH:MM:SS)", text));
  }
}

nlohmann::json summary_json(const IncidentSummary& s) {
  return {{"id", s.id},
          {"path", s.path.string()},
          {"severity", core::reports::to_string(s.severity)},
          {"created", core::to_sql_datetime(s.created)},
          {"description", s.description},
          {"status", s.resolved ? "resolved" : "open"},
          {"resolved_at", s.resolved_at.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.resolved_at)},
          {"duration", s.duration.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.duration)}};
}

IncidentStore store(Context& ctx) { return IncidentStore(ctx.config().path("REPORTS_DIR")); }

struct NewFlags {
  std::string severity;
  std::string description;
  std::string detected = "5m";
  std::string reporter;
};

int run_new(Context& ctx, const NewFlags& flags) {
  const auto severity = core::reports::parse_severity(flags.severity);
  if (!severity) throw core::Error(core::ErrorKind::usage, fmt::format("--severity '{}' must be S1, S2, S3 or S4", flags.severity));
  if (flags.description.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw core::Error(core::ErrorKind::usage, "the incident needs a description, e.g. bscbot incident new --severity S2 \"High error rate\"");
  }
  const auto& cfg = ctx.config();
  const auto now = ctx.clock().now();
  core::reports::NewIncident incident;
  incident.severity = *severity;
  incident.description = flags.description;
  incident.reporter = flags.reporter.empty() ? current_user() : flags.reporter;
  incident.detected = parse_when(flags.detected, now);
  incident.responded = now;
  if (incident.detected > now) throw core::Error(core::ErrorKind::usage, "--detected lies in the future");
  auto& out = ctx.out();
  out.note("gathering health, log errors, failed trades and the newest backup...");
  auto edges = core::checks::real_edges(cfg, std::chrono::milliseconds(2000));
  edges.clock = &ctx.clock();
  const auto facts = core::reports::gather_incident_facts(cfg, edges, incident.detected);
  const IncidentSummary s = store(ctx).create(incident, facts);
  // The manual's first S1 step, `mail -s "S1 Incident" oncall@team.com`, to the level's route.
  const bool notified = send_events(ctx, {core::reports::incident_event(s, facts)});
  auto doc = summary_json(s);
  doc["health"] = core::checks::to_string(facts.health.status);
  doc["diagnosis"] = facts.diagnosis ? nlohmann::json(core::diagnose::to_json(*facts.diagnosis)) : nlohmann::json(nullptr);
  doc["notified"] = notified;
  out.document(doc);
  if (out.quiet()) {
    out.line(s.id);
    return 0;
  }
  const auto& g = core::reports::guide(*severity);
  out.line(fmt::format("incident {} opened: {}", out.paint(s.id, Tone::bold), s.path.string()));
  out.line(fmt::format("health at opening: {}", core::checks::summary_line(facts.health)));
  if (facts.diagnosis) out.line(fmt::format("diagnosis: {}", facts.diagnosis->decision));
  out.line(fmt::format("{} {} ({}). Response:", core::reports::to_string(*severity), g.name, g.response));
  for (std::size_t i = 0; i < g.steps.size(); ++i) out.line(fmt::format("  {}. {}", i + 1, g.steps[i]));
  out.line(fmt::format("Add timeline entries with `bscbot incident note {} \"…\"`; acknowledge with `bscbot incident ack {}`; close with "
                       "`bscbot incident resolve {}`.",
                       s.id, s.id, s.id));
  return 0;
}

int run_list(Context& ctx, bool open_only) {
  const auto all = store(ctx).list();
  nlohmann::json items = nlohmann::json::array();
  Table t({"ID", "SEVERITY", "STATUS", "CREATED (UTC)", "DURATION", "DESCRIPTION"});
  for (const auto& s : all) {
    if (open_only && s.resolved) continue;
    items.push_back(summary_json(s));
    t.row({s.id, std::string(core::reports::to_string(s.severity)), s.resolved ? "resolved" : "open", core::to_sql_datetime(s.created),
           s.duration.empty() ? "-" : s.duration.substr(0, s.duration.find(" (")), s.description});
  }
  auto& out = ctx.out();
  out.document({{"incidents", items}});
  if (items.empty()) {
    out.line(open_only ? "no open incidents" : "no incidents in " + ctx.config().path("REPORTS_DIR").string());
  } else {
    out.line(t.render());
  }
  return 0;
}

int run_show(Context& ctx, const std::string& id) {
  const auto st = store(ctx);
  const auto s = st.find(id);
  const std::string md = st.markdown(id);
  auto doc = summary_json(s);
  doc["markdown"] = md;
  ctx.out().document(doc);
  if (!ctx.out().json()) std::cout << md;
  return 0;
}

int run_note(Context& ctx, const std::string& id, const std::string& text) {
  const auto s = store(ctx).note(id, text, ctx.clock().now());
  ctx.out().document(summary_json(s));
  ctx.out().line(fmt::format("noted in {}", s.path.string()));
  return 0;
}

int run_resolve(Context& ctx, const std::string& id, const std::string& note) {
  const auto s = store(ctx).resolve(id, ctx.clock().now(), note);
  core::notify::Event e;
  e.key = "incident." + s.id;
  e.id = s.id;
  e.state = core::notify::EventState::resolved;
  e.what = fmt::format("{} Incident: {}", core::reports::to_string(s.severity), s.description);
  e.evidence.push_back("duration " + s.duration);
  if (!note.empty()) e.evidence.push_back("resolution: " + note);
  e.next = fmt::format("bscbot incident show {} (root cause, follow-up)", s.id);
  e.source = "bscbot incident resolve";
  send_events(ctx, {e});
  ctx.out().document(summary_json(s));
  ctx.out().line(fmt::format("incident {} resolved; duration {}", s.id, s.duration));
  return 0;
}

// Stops the escalation of an alert or incident: the manual's on-call engineer saying "mine".
int run_ack(Context& ctx, const std::string& id, const std::string& by_flag) {
  const std::string by = by_flag.empty() ? current_user() : by_flag;
  CliNotifier n(ctx);
  const auto r = n.notifier.acknowledge(id, by);
  auto doc = nlohmann::json{{"id", r.id}, {"key", r.key}, {"acked_by", r.acked_by}, {"acked_at", core::to_iso8601(*r.acked_at)},
                            {"state", r.firing ? "firing" : "resolved"}};
  // An incident's timeline records who took it.
  if (r.key.rfind("incident.", 0) == 0) {
    try {
      store(ctx).note(r.id, fmt::format("Acknowledged by {}; escalation stopped", r.acked_by), ctx.clock().now());
      doc["noted"] = true;
    } catch (const core::Error& e) {
      ctx.out().note(std::string("not noted in the report: ") + e.what());
    }
  }
  ctx.out().document(doc);
  ctx.out().line(fmt::format("{} acknowledged by {} at {} UTC; it will not be escalated", r.id, r.acked_by, core::to_sql_datetime(*r.acked_at)));
  return 0;
}

}  // namespace

void setup_incident(CLI::App& command, Context& ctx) {
  command.require_subcommand(1);
  auto flags = std::make_shared<NewFlags>();
  auto id = std::make_shared<std::string>();
  auto text = std::make_shared<std::string>();
  auto open_only = std::make_shared<bool>(false);

  auto* create = command.add_subcommand("new", "Open an incident report in REPORTS_DIR, filled with health, errors, failed trades and backups");
  create->add_option("--severity", flags->severity, "S1 (critical, 15 min), S2 (high, 1 h), S3 (medium, 4 h) or S4 (low, 24 h)")
      ->required()
      ->check(CLI::IsMember({"S1", "S2", "S3", "S4", "s1", "s2", "s3", "s4"}));
  create->add_option("description", flags->description, "What is wrong, in one line")->required();
  create->add_option("--detected", flags->detected, "When it started: an age (15m, 2h) or a UTC time 'YYYY-MM-DD HH:MM:SS'")
      ->capture_default_str();
  create->add_option("--reporter", flags->reporter, "Who opens it (default: the current user)");
  create->footer("Prints the new ID (alone with --quiet) and the response steps of the severity.");
  create->callback([&ctx, flags] { ctx.run = [&ctx, flags] { return run_new(ctx, *flags); }; });

  auto* list = command.add_subcommand("list", "List incident reports with severity, status and duration");
  list->add_flag("--open", *open_only, "Only incidents not resolved yet");
  list->callback([&ctx, open_only] { ctx.run = [&ctx, open_only] { return run_list(ctx, *open_only); }; });

  auto* show = command.add_subcommand("show", "Print an incident report (Markdown)");
  show->add_option("id", *id, "Incident ID (the file stem, e.g. incident_S2_20261125_191531)")->required();
  show->callback([&ctx, id] { ctx.run = [&ctx, id] { return run_show(ctx, *id); }; });

  auto* note = command.add_subcommand("note", "Add a timestamped entry to an incident's timeline");
  note->add_option("id", *id, "Incident ID")->required();
  note->add_option("text", *text, "What happened or was done")->required();
  note->callback([&ctx, id, text] { ctx.run = [&ctx, id, text] { return run_note(ctx, *id, *text); }; });

  auto by = std::make_shared<std::string>();
  auto* ack = command.add_subcommand("ack", "Acknowledge an alert or incident: its escalation stops (IDs are in every notification)");
  ack->add_option("id", *id, "Alert ID (alert-12), incident ID, or alert key (bscbot notify status lists them)")->required();
  ack->add_option("--by", *by, "Who takes it (default: the current user)");
  ack->callback([&ctx, id, by] { ctx.run = [&ctx, id, by] { return run_ack(ctx, *id, *by); }; });

  auto* resolve = command.add_subcommand("resolve", "Record the resolution time and the duration since detection");
  resolve->add_option("id", *id, "Incident ID")->required();
  resolve->add_option("--note", *text, "A closing timeline entry, e.g. the fix applied");
  resolve->callback([&ctx, id, text] { ctx.run = [&ctx, id, text] { return run_resolve(ctx, *id, *text); }; });
}

}  // namespace bscbot::cmd
