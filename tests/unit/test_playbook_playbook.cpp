#include <doctest/doctest.h>

#include "core/error.hpp"
#include "core/playbook/runner.hpp"

using namespace bscbot::core;
using namespace bscbot::core::playbook;

namespace {

// Answers steps from a script: id of the command's first word → exit code.
struct ScriptedExecutor : StepExecutor {
  std::map<std::string, int> exits;
  std::vector<std::vector<std::string>> calls;
  ExecResult execute(const std::vector<std::string>& args, std::chrono::seconds) override {
    calls.push_back(args);
    const auto it = exits.find(args.front());
    return {it == exits.end() ? 0 : it->second, "output of " + args.front() + "\n", false};
  }
};

const char* k_book = R"(title: Daily
schedule: every day
vars:
  age: 90d
steps:
  - id: health
    title: Health
    at: "09:00"
    run: health --json
    allow_exit: [0, 1]
  - id: cleanup
    title: Cleanup
    at: "23:00"
    run: db cleanup --older-than {{age}}
    when: health.exit <= 1
  - id: vacuum
    title: Vacuum
    at: "23:00"
    run: db vacuum
    when: cleanup.ok
  - id: notify
    title: Tell someone
    manual: "Mail oncall@team.com about {{age}}"
  - id: incident
    title: Open an incident
    run: incident new --severity S3 "daily failed"
    when: failed
)";

}  // namespace

TEST_CASE("playbook: parses steps, variables and conditions") {
  const Playbook p = parse(k_book, "daily.yaml");
  CHECK(p.name == "daily");
  CHECK(p.kind == "checklist");
  REQUIRE(p.steps.size() == 5);
  CHECK(p.steps[1].run == std::vector<std::string>{"db", "cleanup", "--older-than", "{{age}}"});
  CHECK(p.steps[4].run.back() == "daily failed");
  CHECK(p.steps[0].allow_exit == std::vector<int>{0, 1});
  CHECK(p.steps[3].manual.find("oncall") != std::string::npos);
}

TEST_CASE("playbook: a run follows conditions, stops on failure and still runs failure steps") {
  const Playbook p = parse(k_book, "daily.yaml");
  ScriptedExecutor ok;
  auto report = run(p, ok, {});
  CHECK(report.ok);
  CHECK(report.steps[1].args.back() == "90d");
  CHECK(report.steps[2].status == StepStatus::ok);
  CHECK(report.steps[3].status == StepStatus::manual);
  CHECK(report.steps[3].manual == "Mail oncall@team.com about 90d");
  CHECK(report.steps[4].status == StepStatus::skipped);

  ScriptedExecutor failing;
  failing.exits["db"] = 74;
  report = run(p, failing, {{{"age", "30d"}}, DryRun::no, "", {}, {}});
  CHECK_FALSE(report.ok);
  CHECK(report.steps[1].status == StepStatus::failed);
  CHECK(report.steps[1].args.back() == "30d");
  CHECK(report.steps[2].status == StepStatus::skipped);  // stopped
  CHECK(report.steps[3].status == StepStatus::skipped);
  CHECK(report.steps[4].status == StepStatus::ok);       // `when: failed` runs after a stop
  CHECK(failing.calls.back()[0] == "incident");

  ScriptedExecutor critical;
  critical.exits["health"] = 2;
  report = run(p, critical, {});
  CHECK(report.steps[0].status == StepStatus::failed);
  CHECK(report.steps[0].reason.find("exit code 2") != std::string::npos);
}

TEST_CASE("playbook: dry run executes nothing; --at picks one slot of the day") {
  const Playbook p = parse(k_book, "daily.yaml");
  ScriptedExecutor e;
  auto report = run(p, e, {{}, DryRun::yes, "", {}, {}});
  CHECK(e.calls.empty());
  for (const auto& s : report.steps) CHECK(s.status == StepStatus::planned);
  report = run(p, e, {{}, DryRun::no, "09:00", {}, {}});
  CHECK(e.calls.size() == 1);
  CHECK(report.steps[1].status == StepStatus::skipped);
  CHECK(report.steps[1].reason == "scheduled at 23:00");
  // The timer's spelling of the slot: 23:00 steps are considered, 09:00 ones are not.
  const auto night = run(p, e, {{}, DryRun::no, "2300", {}, {}});
  CHECK(night.steps[0].reason == "scheduled at 09:00");
  CHECK(night.steps[1].reason.rfind("condition not met", 0) == 0);
  CHECK_THROWS_AS(run(p, e, {{{"nope", "1"}}, DryRun::no, "", {}, {}}), Error);
}

TEST_CASE("playbook: broken files are refused with file, line and column") {
  auto error_of = [](const std::string& text, const CommandCheck& check = {}) {
    try {
      parse(text, "bad.yaml", check);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(error_of("title: x\nsteps:\n  - id: a\n    title: A\n    run: [unclosed\n").rfind("bad.yaml:", 0) == 0);
  CHECK(error_of("title: x\nsteps:\n  - id: a\n    title: A\n    runn: health\n").find("bad.yaml:5:5: unknown step key 'runn'") != std::string::npos);
  CHECK(error_of("title: x\nsteps:\n  - id: a\n    title: A\n    run: health\n    when: b.ok\n").find("'b' is not an earlier step") != std::string::npos);
  CHECK(error_of("title: x\nsteps:\n  - id: a\n    title: A\n    run: health\n  - id: a\n    title: B\n    run: health\n").find("used twice") != std::string::npos);
  CHECK(error_of("title: x\nsteps:\n  - id: a\n    title: A\n    run: db cleanup {{nope}}\n").find("unknown variable 'nope'") != std::string::npos);
  CHECK(error_of("title: x\nsteps:\n  - id: a\n    title: A\n    run: health\n    manual: also\n").find("exactly one of") != std::string::npos);
  CHECK(error_of("title: x\nsteps:\n  - id: a\n    title: A\n    run: health\n    when: a.exit ~ 3\n").find("condition") != std::string::npos);
  CHECK(error_of("title: x\nsteps: []\n").find("non-empty") != std::string::npos);
  const CommandCheck only_health = [](const std::vector<std::string>& args) -> std::optional<std::string> {
    if (args.front() == "health") return std::nullopt;
    return "'" + args.front() + "' is not a bscbot command";
  };
  CHECK(error_of("title: x\nsteps:\n  - id: a\n    title: A\n    run: helth\n", only_health).find("bad.yaml:5:10: 'helth' is not a bscbot command") != std::string::npos);
}

TEST_CASE("playbook: conditions") {
  std::map<std::string, StepOutcome> o = {{"a", {true, true, false, 0}}, {"b", {true, false, false, 2}}, {"c", {false, false, true, 0}}};
  CHECK(evaluate_condition("a.ok", o));
  CHECK_FALSE(evaluate_condition("b.ok", o));
  CHECK(evaluate_condition("b.failed and b.exit >= 2", o));
  CHECK(evaluate_condition("not b.ok or c.ok", o));
  CHECK(evaluate_condition("c.skipped", o));
  CHECK(evaluate_condition("failed", o));
  CHECK(evaluate_condition("always", o));
  CHECK_FALSE(evaluate_condition("c.exit == 0", o));  // it never ran
  CHECK_THROWS_AS(validate_condition("a.ok and", {"a"}, "x"), Error);
  CHECK_THROWS_AS(validate_condition("a.color", {"a"}, "x"), Error);
}

TEST_CASE("playbook: a variable starting with '-' goes through the shaper, or the step is refused") {
  const Playbook p = parse(k_book, "daily.yaml");
  ScriptedExecutor e;
  RunOptions options;
  options.vars = {{"age", "-5d"}};
  // Without a shaper the runner cannot know how the command reads it: refused, nothing ran.
  CHECK_THROWS_WITH_AS(run(p, e, options), doctest::Contains("would be read as an option"), Error);
  CHECK(e.calls.empty());
  // A shaper is told which words a variable began with '-'; what it returns is what runs.
  std::vector<std::vector<bool>> seen;
  options.shape_args = [&](const std::vector<std::string>& args, const std::vector<bool>& from_variable) {
    seen.push_back(from_variable);
    return std::vector<std::string>{"db", "cleanup", "--older-than=" + args.back()};
  };
  const auto report = run(p, e, options);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0] == std::vector<bool>{false, false, false, true});
  CHECK(report.steps[1].args == std::vector<std::string>{"db", "cleanup", "--older-than=-5d"});
  CHECK(e.calls[1] == report.steps[1].args);
  // The playbook's own options are not the variable's: a literal '-' word is never flagged.
  options.vars = {{"age", "90d"}};
  seen.clear();
  run(p, e, options);
  CHECK(seen.empty());
}
