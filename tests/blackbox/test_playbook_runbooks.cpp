// The shipped playbooks: every one plans cleanly in --dry-run against the real command tree, and
// the daily checklist runs for real against a running daemon.
#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/harness.hpp"
#include "tests/support/scratch.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bscbot;
using bscbot::test::Daemon;
using bscbot::test::Scratch;

namespace {

const fs::path k_playbooks = fs::path(BSCBOT_SOURCE_DIR) / "playbooks";

}  // namespace

TEST_SUITE("playbook") {

TEST_CASE("playbook: every shipped playbook plans cleanly in --dry-run") {
  Scratch s("pb-dry");
  const auto list = test::bscbot({"--json", "playbook", "list", "--dir", k_playbooks.string()}, s.path());
  REQUIRE_MESSAGE(list.exit_code == 0, list.err);
  const auto books = json::parse(list.out)["playbooks"];
  std::vector<std::string> names;
  for (const auto& b : books) names.push_back(b["name"]);
  for (const char* expected : {"daily", "weekly", "monthly", "incident-s1", "incident-s2", "incident-s3", "incident-s4"}) {
    CHECK_MESSAGE(std::find(names.begin(), names.end(), expected) != names.end(), expected);
  }
  for (const auto& name : names) {
    const auto r = test::bscbot({"--json", "playbook", "run", name, "--dry-run", "--dir", k_playbooks.string()}, s.path());
    REQUIRE_MESSAGE(r.exit_code == 0, std::string(name + ": " + r.err));
    const auto doc = json::parse(r.out);
    CHECK(doc["dry_run"] == true);
    for (const auto& step : doc["steps"]) {
      CHECK(step["status"] == "planned");
      CHECK((!step["args"].empty() || !step["manual"].get<std::string>().empty()));
    }
  }
  // Variables are filled in the plan.
  const auto s1 = test::bscbot({"--json", "playbook", "run", "incident-s1", "--dry-run", "--dir", k_playbooks.string(), "--var",
                                "description=RPC node down"},
                               s.path());
  CHECK(json::parse(s1.out)["steps"][0]["args"].dump().find("RPC node down") != std::string::npos);
  // Nothing ran: no database, no report was created.
  CHECK_FALSE(fs::exists(s / "data"));
  CHECK_FALSE(fs::exists(s / "reports"));
}

TEST_CASE("playbook: the daily checklist runs for real against a daemon") {
  Scratch s("pb-daily");
  // Thresholds a shared CI machine cannot trip: the run is about the steps, not the machine.
  const std::map<std::string, std::string> env = {{"DISK_USAGE_WARN_PCT", "99"}, {"DISK_USAGE_CRIT_PCT", "100"}, {"CPU_WARN_PCT", "99"},
                                                  {"CPU_CRIT_PCT", "100"}, {"DISK_IO_WARN_PCT", "101"}, {"DISK_IO_CRIT_PCT", "101"}};
  REQUIRE(test::bscbot({"init", "-q"}, s.path(), env).exit_code == 0);
  auto daemon_env = env;
  Daemon d(s.path(), daemon_env);
  d.start();
  auto run_env = env;
  run_env["PORT"] = std::to_string(d.port());
  const auto r = test::bscbot({"--json", "playbook", "run", "daily", "--dir", k_playbooks.string()}, s.path(), run_env);
  const auto doc = json::parse(r.out);
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(doc["ok"] == true);
  std::map<std::string, std::string> status;
  for (const auto& step : doc["steps"]) status[step["id"]] = step["status"];
  CHECK(status["service"] == "ok");
  CHECK(status["health"] == "ok");
  CHECK(status["trades"] == "ok");
  CHECK(status["cleanup"] == "ok");
  CHECK(status["vacuum"] == "ok");
  CHECK(status["incident"] == "skipped");  // nothing failed
  // One slot only, as a timer runs it.
  const auto morning = test::bscbot({"--json", "playbook", "run", "daily/0900", "--dir", k_playbooks.string()}, s.path(), run_env);
  const auto report = json::parse(morning.out);  // kept: a temporary would die before the loop
  for (const auto& step : report["steps"]) {
    if (step["id"] == "cleanup") CHECK(step["reason"] == "scheduled at 23:00");
    if (step["id"] == "service") CHECK(step["status"] == "ok");
  }
}

TEST_CASE("playbook: a failing step stops the run and opens an incident") {
  Scratch s("pb-fail");
  REQUIRE(test::bscbot({"init", "-q"}, s.path()).exit_code == 0);
  // No daemon: `daemon status` exits 3, the run stops there and the failure step records it.
  const auto r = test::bscbot({"--json", "playbook", "run", "daily", "--dir", k_playbooks.string()}, s.path(),
                              {{"PORT", std::to_string(test::free_port())}});
  CHECK(r.exit_code == 1);
  const auto doc = json::parse(r.out);
  CHECK(doc["ok"] == false);
  CHECK(doc["steps"][0]["status"] == "failed");
  CHECK(doc["steps"][1]["status"] == "skipped");
  CHECK(doc["steps"].back()["id"] == "incident");
  CHECK(doc["steps"].back()["status"] == "ok");
  bool report = false;
  for (const auto& e : fs::directory_iterator(s / "reports")) report |= e.path().filename().string().rfind("incident_S3_", 0) == 0;
  CHECK(report);
}

TEST_CASE("playbook: a broken playbook names file, line and column") {
  Scratch s("pb-broken");
  s.write("books/bad.yaml", "title: Bad\nsteps:\n  - id: one\n    title: One\n    run: helth\n");
  auto r = test::bscbot({"playbook", "list", "--dir", (s / "books").string()}, s.path());
  CHECK(r.exit_code == 78);
  CHECK(r.err.find("bad.yaml:5:10: 'helth' is not a bscbot command") != std::string::npos);
  s.write("books/bad.yaml", "title: Bad\nsteps:\n  - id: one\n   title: misaligned\n");
  r = test::bscbot({"playbook", "show", "bad", "--dir", (s / "books").string()}, s.path());
  CHECK(r.exit_code == 78);
  CHECK(r.err.find("bad.yaml:") != std::string::npos);
}

}  // TEST_SUITE
