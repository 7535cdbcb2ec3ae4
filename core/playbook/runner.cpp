#include "core/playbook/runner.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"

namespace bscbot::core::playbook {

const char* to_string(StepStatus s) {
  switch (s) {
    case StepStatus::ok: return "ok";
    case StepStatus::failed: return "failed";
    case StepStatus::skipped: return "skipped";
    case StepStatus::manual: return "manual";
    case StepStatus::planned: return "planned";
  }
  return "?";
}

namespace {

// "09:00" and "0900" name the same slot (systemd timer instances cannot hold a colon).
std::string slot_key(std::string slot) {
  std::erase(slot, ':');
  return slot;
}

bool mentions_failure(const std::string& condition) {
  return condition.find("failed") != std::string::npos;
}

std::string tail(const std::string& text, std::size_t max) {
  return text.size() <= max ? text : "..." + text.substr(text.size() - max);
}

// The step's words with variables filled in; `from_variable[i]` says whether word i starts with a
// variable's text that starts with '-' (a leading '-' the playbook wrote is an option by design,
// one a variable brought is data).
std::vector<std::string> expand(const std::vector<std::string>& words, const std::map<std::string, std::string>& vars,
                                const std::string& where, std::vector<bool>& from_variable) {
  std::vector<std::string> out;
  from_variable.clear();
  for (const auto& w : words) {
    out.push_back(substitute(w, vars, where));
    from_variable.push_back(w.rfind("{{", 0) == 0 && out.back().rfind('-', 0) == 0);
  }
  return out;
}

}  // namespace

RunReport run(const Playbook& pb, StepExecutor& executor, const RunOptions& options) {
  std::map<std::string, std::string> vars = pb.vars;
  for (const auto& [k, v] : options.vars) {
    if (!pb.vars.count(k)) throw Error(ErrorKind::usage, fmt::format("playbook {} has no variable '{}'", pb.name, k));
    vars[k] = v;
  }
  // A variable whose value starts with '-' needs the shaper; without one nothing runs at all,
  // rather than half the playbook.
  if (!options.shape_args) {
    for (const Step& step : pb.steps) {
      std::vector<bool> from_variable;
      const std::string where = fmt::format("{}:{}", pb.file, step.line);
      expand(step.run, vars, where, from_variable);
      if (std::find(from_variable.begin(), from_variable.end(), true) != from_variable.end()) {
        throw Error(ErrorKind::usage, fmt::format("{}: a variable's value starts with '-' and would be read as an option", where));
      }
    }
  }
  RunReport report;
  report.playbook = pb.name;
  report.dry_run = options.dry_run == DryRun::yes;
  std::map<std::string, StepOutcome> outcomes;
  bool stopped = false;
  const auto start = std::chrono::steady_clock::now();

  for (const Step& step : pb.steps) {
    StepResult r;
    r.id = step.id;
    r.title = step.title;
    const std::string where = fmt::format("{}:{}", pb.file, step.line);
    std::vector<bool> from_variable;
    r.args = expand(step.run, vars, where, from_variable);
    if (std::find(from_variable.begin(), from_variable.end(), true) != from_variable.end()) {
      r.args = options.shape_args(r.args, from_variable);
    }
    if (!step.manual.empty()) r.manual = substitute(step.manual, vars, where);
    StepOutcome outcome;

    if (!options.at.empty() && !step.at.empty() && slot_key(step.at) != slot_key(options.at)) {
      // A checklist split over the day (09:00, 14:00, 23:00) runs one slot per timer.
      r.status = StepStatus::skipped;
      r.reason = "scheduled at " + step.at;
      outcome.skipped = true;
    } else if (report.dry_run) {
      r.status = StepStatus::planned;
      r.reason = step.when.empty() ? "" : "when " + step.when;
    } else if (stopped && !mentions_failure(step.when)) {
      r.status = StepStatus::skipped;
      r.reason = "an earlier step failed";
      outcome.skipped = true;
    } else if (!evaluate_condition(step.when, outcomes)) {
      r.status = StepStatus::skipped;
      r.reason = "condition not met: " + step.when;
      outcome.skipped = true;
    } else if (!step.manual.empty()) {
      r.status = StepStatus::manual;
      r.reason = "for the operator to do";
      outcome.ran = true;
      outcome.ok = true;
    } else {
      const auto t0 = std::chrono::steady_clock::now();
      const ExecResult e = executor.execute(r.args, step.timeout);
      r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
      r.exit_code = e.exit_code;
      r.output = tail(e.output, 16 * 1024);
      const bool allowed = std::find(step.allow_exit.begin(), step.allow_exit.end(), e.exit_code) != step.allow_exit.end();
      r.status = allowed && !e.timed_out ? StepStatus::ok : StepStatus::failed;
      if (e.timed_out) r.reason = fmt::format("timed out after {}s", step.timeout.count());
      else if (!allowed) r.reason = fmt::format("exit code {} (allowed: {})", e.exit_code, fmt::join(step.allow_exit, ", "));
      outcome.ran = true;
      outcome.ok = r.status == StepStatus::ok;
      outcome.exit_code = e.exit_code;
      if (!outcome.ok) {
        report.ok = false;
        if (!step.continue_on_failure) stopped = true;
      }
    }
    outcomes[step.id] = outcome;
    if (options.on_step) options.on_step(r);
    report.steps.push_back(std::move(r));
  }
  report.total = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  return report;
}

}  // namespace bscbot::core::playbook
