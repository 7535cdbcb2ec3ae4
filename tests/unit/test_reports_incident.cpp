#include <doctest/doctest.h>

#include <thread>

#include "core/error.hpp"
#include "core/reports/incident.hpp"
#include "core/util/files.hpp"
#include "tests/support/scratch.hpp"

using namespace bscbot::core;
using namespace bscbot::core::reports;
using bscbot::test::Scratch;

namespace {

NewIncident incident(Severity s, const std::string& text, const std::string& responded) {
  NewIncident i;
  i.severity = s;
  i.description = text;
  i.reporter = "oncall";
  i.responded = parse_sql_datetime(responded);
  i.detected = i.responded - std::chrono::minutes(5);
  return i;
}

IncidentFacts some_facts() {
  IncidentFacts f;
  f.health.status = checks::Status::crit;
  f.health.generated_at = "2026-11-25T19:15:31.000Z";
  f.health.checks.push_back({"daemon", "daemon", checks::Status::crit, "down", "HTTP 200", "bscbotd is not running | really", {}});
  f.error_lines = {"2026-11-25 19:14:00.000 [error] Database locked"};
  f.error_source = "1 error line(s) in the last 24 h of logs/api-server.log";
  db::Trade t;
  t.id = 7;
  t.created_at = parse_sql_datetime("2026-11-25 19:10:00");
  t.wallet_address = "0x1111111111111111111111111111111111111111";
  t.amount_in = Wei::require("1500000000000000000", "amount_in");
  t.tx_hash = "0xabc";
  t.error = "execution reverted: INSUFFICIENT_OUTPUT_AMOUNT";
  f.failed_trades = {t};
  f.failed_since_detected = 1;
  f.pending_since_detected = 0;
  f.wallets_since_detected = 1;
  f.backup_note = "no backup under backups";
  return f;
}

}  // namespace

TEST_CASE("reports: severities parse and each has the manual's response flow") {
  CHECK(parse_severity("S1") == Severity::s1);
  CHECK(parse_severity("s4") == Severity::s4);
  CHECK_FALSE(parse_severity("S5"));
  CHECK_FALSE(parse_severity("high"));
  CHECK(guide(Severity::s1).response == "15-minute response");
  CHECK(guide(Severity::s4).response == "24-hour response");
  bool restore = false;
  for (auto step : guide(Severity::s1).steps) restore = restore || step.find("bscbot restore") != std::string_view::npos;
  CHECK(restore);
}

TEST_CASE("reports: a new incident is the manual's template, filled, under a stable ID") {
  Scratch s("incident-new");
  IncidentStore store(s / "reports");
  const auto a = store.create(incident(Severity::s2, "High error rate on /api/trading", "2026-11-25 19:15:31"), some_facts());
  CHECK(a.id == "incident_S2_20261125_191531");
  CHECK(a.path == s / "reports/incident_S2_20261125_191531.md");
  CHECK(a.description == "High error rate on /api/trading");
  CHECK_FALSE(a.resolved);
  const std::string md = read_file(a.path);
  for (const char* part : {"# Incident Report: S2", "- **Severity**: S2 (High, 1-hour response)", "- **Reporter**: oncall",
                           "- **Detected**: 2026-11-25 19:10:31 UTC", "- **Resolved**: [To be updated]", "- Duration: [To be calculated]",
                           "since detection: 1 failed, 0 pending", "`bscbot health --watch 5`", "| daemon | CRIT | down |",
                           "not running \\| really", "[error] Database locked", "| 7 | 2026-11-25 19:10:00 |", "| 1.5 |",
                           "INSUFFICIENT_OUTPUT_AMOUNT", "## Root Cause", "- [ ] Post-mortem meeting"}) {
    CHECK_MESSAGE(md.find(part) != std::string::npos, part);
  }
  // The same second again: a second report, never an overwrite.
  const auto b = store.create(incident(Severity::s2, "again", "2026-11-25 19:15:31"), some_facts());
  CHECK(b.id == "incident_S2_20261125_191531_2");
  CHECK_THROWS_AS(store.create(incident(Severity::s3, "  ", "2026-11-25 19:16:00"), some_facts()), Error);
  const auto all = store.list();
  REQUIRE(all.size() == 2);
  CHECK(all[0].id == a.id);
}

TEST_CASE("reports: notes land in the timeline; resolve fills time and duration once") {
  Scratch s("incident-resolve");
  IncidentStore store(s / "reports");
  const auto a = store.create(incident(Severity::s1, "bscbotd down", "2026-11-25 19:15:31"), some_facts());
  store.note(a.id, "restarted bscbotd\nafter the lock cleared", parse_sql_datetime("2026-11-25 19:20:00"));
  CHECK_THROWS_AS(store.note(a.id, " ", parse_sql_datetime("2026-11-25 19:21:00")), Error);
  const auto r = store.resolve(a.id + ".md", parse_sql_datetime("2026-11-25 20:10:31"), "restored from backup");
  CHECK(r.resolved);
  CHECK(r.resolved_at == "2026-11-25 20:10:31 UTC");
  CHECK(r.duration.rfind("1h 0m (from detection at 2026-11-25 19:10:31 UTC", 0) == 0);
  const std::string md = store.markdown(a.id);
  const auto timeline = md.find("## Timeline");
  const auto impact = md.find("## Impact");
  const auto note = md.find("- **2026-11-25 19:20:00 UTC**: restarted bscbotd after the lock cleared");
  CHECK(note > timeline);
  CHECK(note < impact);
  CHECK(md.find("- **2026-11-25 20:10:31 UTC**: Resolved: restored from backup") < impact);
  CHECK(md.find("- **Status**: resolved at 2026-11-25 20:10:31 UTC") != std::string::npos);
  const auto again = [&] { store.resolve(a.id, parse_sql_datetime("2026-11-25 21:00:00"), ""); };
  CHECK_THROWS_AS(again(), Error);
  try {
    store.find("incident_S9_nope");
    FAIL("found a missing incident");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::not_found);
  }
}

TEST_CASE("reports: a report edited by hand keeps its ID and still takes notes and a resolution") {
  Scratch s("incident-edited");
  IncidentStore store(s / "reports");
  const auto a = store.create(incident(Severity::s3, "slow queries", "2026-11-25 10:00:00"), some_facts());
  // The operator rewrote the Detected line in words and deleted the Timeline and Impact sections.
  std::string md = read_file(a.path);
  md.replace(md.find("- **Detected**:"), md.find('\n', md.find("- **Detected**:")) - md.find("- **Detected**:"),
             "- **Detected**: around ten, by Alice");
  const auto cut_from = md.find("## Timeline");
  md.erase(cut_from, md.find("## Response") - cut_from);
  atomic_write_file(a.path, md);
  CHECK(store.find(a.id).description == "slow queries");
  store.note(a.id, "added an index", parse_sql_datetime("2026-11-25 11:00:00"));
  const auto r = store.resolve(a.id, parse_sql_datetime("2026-11-25 12:00:00"), "");
  CHECK(r.resolved);
  CHECK(r.duration.find("from the report's creation") != std::string::npos);
  const std::string after = store.markdown(a.id);
  CHECK(after.find("## Timeline\n- **2026-11-25 11:00:00 UTC**: added an index") != std::string::npos);
  CHECK(after.find("## Impact\n- Duration: 2h 0m") != std::string::npos);
}

TEST_CASE("reports: sections are appended to and lines replaced without disturbing the rest") {
  const std::string md = "# T\n\n## Timeline\n- a\n- b\n\n## Next\ntext\n";
  CHECK(append_to_section(md, "## Timeline", "- c") == "# T\n\n## Timeline\n- a\n- b\n- c\n\n## Next\ntext\n");
  CHECK(append_to_section(md, "## Missing", "- x") == md + "\n## Missing\n- x\n");
  CHECK(replace_line(md, "- b", "- B", "## Timeline") == "# T\n\n## Timeline\n- a\n- B\n\n## Next\ntext\n");
  CHECK(replace_line(md, "- z", "- z!", "## Next") == "# T\n\n## Timeline\n- a\n- b\n\n## Next\ntext\n- z!\n");
}

TEST_CASE("reports: concurrent notes all land") {
  Scratch s("incident-concurrent");
  IncidentStore store(s / "reports");
  const auto a = store.create(incident(Severity::s2, "busy", "2026-11-25 10:00:00"), some_facts());
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      IncidentStore own(s / "reports");
      own.note(a.id, "note " + std::to_string(i), parse_sql_datetime("2026-11-25 10:30:00"));
    });
  }
  for (auto& t : threads) t.join();
  const std::string md = store.markdown(a.id);
  for (int i = 0; i < 8; ++i) CHECK(md.find("UTC**: note " + std::to_string(i) + "\n") != std::string::npos);
}
