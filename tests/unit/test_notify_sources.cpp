// Health runs, Alertmanager payloads and command outcomes as notification events.
#include <doctest/doctest.h>

#include "core/error.hpp"
#include "core/notify/sources.hpp"

using namespace bscbot::core;
using namespace bscbot::core::notify;
using nlohmann::json;

TEST_CASE("sources: an Alertmanager payload becomes one event per alert, keyed by name and labels") {
  const json payload = json::parse(R"({
    "version": "4", "status": "firing", "receiver": "bscbotd-info", "groupKey": "g", "externalURL": "http://am:9093",
    "alerts": [
      {"status": "firing", "labels": {"alertname": "DiskSpaceWarning", "severity": "info", "job": "bscbotd", "instance": "h:1", "folder": "data"},
       "annotations": {"summary": "The data folder is full", "description": "72 %", "action": "bscbot logs archive"},
       "startsAt": "2026-12-01T10:00:00.5+01:00", "generatorURL": "http://prom/graph"},
      {"status": "resolved", "labels": {"alertname": "HighMemoryUsage", "severity": "warning", "instance": "h:1"},
       "annotations": {}, "startsAt": "2026-12-01T08:00:00Z"}
    ]})");
  const auto batch = parse_alertmanager(payload);
  CHECK(batch.receiver == "bscbotd-info");
  REQUIRE(batch.events.size() == 2);
  const Event& disk = batch.events[0];
  CHECK(disk.key == "prometheus.DiskSpaceWarning.data.h:1");
  CHECK(disk.severity == Severity::info);
  CHECK(disk.state == EventState::firing);
  CHECK(disk.what == "DiskSpaceWarning: The data folder is full");
  CHECK(disk.next == "bscbot logs archive");
  CHECK(to_iso8601(*disk.since) == "2026-12-01T09:00:00.500Z");
  CHECK(disk.evidence[0] == "72 %");
  CHECK(disk.evidence[1] == "labels: alertname=DiskSpaceWarning, folder=data, instance=h:1, job=bscbotd, severity=info");
  const Event& mem = batch.events[1];
  CHECK(mem.severity == Severity::high);
  CHECK(mem.state == EventState::resolved);
  CHECK(mem.next == "bscbot diagnose");
  CHECK_THROWS_WITH_AS(parse_alertmanager(json::object()), "not an Alertmanager webhook payload: no \"alerts\" array", Error);
  CHECK_THROWS_WITH_AS(parse_alertmanager(json::parse(R"({"alerts":[{"status":"pending","labels":{"alertname":"X"}}]})")),
                       "alert X has status 'pending'; expected firing or resolved", Error);
  CHECK_THROWS_AS(parse_rfc3339("2026-12-01 10:00:00"), Error);
  CHECK_THROWS_AS(parse_rfc3339("2026-12-01T10:00:00"), Error);
}

TEST_CASE("sources: a health run fires WARN and CRIT checks, resolves OK ones, and leaves UNKNOWN alone") {
  checks::HealthReport report;
  report.generated_at = "2026-12-01T10:00:00.000Z";
  report.checks = {{"disk_data", "system", checks::Status::crit, "93 %", "warn >= 70 %, crit > 90 %", "statvfs", 93.0},
                   {"db_query_p95", "daemon", checks::Status::warn, "400 ms", "warn >= 300 ms", "", 400.0},
                   {"memory_daemon", "system", checks::Status::ok, "20 MB", "", "", 20.0},
                   {"cpu_daemon", "system", checks::Status::unknown, "-", "", "", std::nullopt}};
  const auto events = health_events(report, "bscbotd health checks");
  REQUIRE(events.size() == 3);
  CHECK(events[0].key == "health.disk_data");
  CHECK(events[0].severity == Severity::critical);
  CHECK(events[0].what == "disk_data CRIT: 93 %");
  CHECK(events[0].next == "bscbot db stats; bscbot logs archive; bscbot backup prune --dry-run");
  CHECK(events[0].evidence == std::vector<std::string>{"threshold: warn >= 70 %, crit > 90 %", "statvfs", "health check run at 2026-12-01T10:00:00.000Z"});
  CHECK(events[1].severity == Severity::high);
  CHECK(events[1].next == "bscbot diagnose slow-queries");
  CHECK(events[2].state == EventState::resolved);
  CHECK(events[2].what == "memory_daemon is OK again: 20 MB");
}
