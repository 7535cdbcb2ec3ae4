#pragma once
// Runs a playbook step by step: conditions decide what runs, a failed step stops the run unless
// it may continue, and steps conditioned on a failure still run after a stop (to open an
// incident, say). Every step's outcome, duration and output end up in the summary.
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/playbook/condition.hpp"
#include "core/playbook/playbook.hpp"

namespace bscbot::core::playbook {

struct ExecResult {
  int exit_code = 0;
  std::string output;   // stdout and stderr, the tail kept
  bool timed_out = false;
};

// Runs one bscbot command; the real one starts a process, tests can script answers.
class StepExecutor {
public:
  virtual ~StepExecutor() = default;
  virtual ExecResult execute(const std::vector<std::string>& args, std::chrono::seconds timeout) = 0;
};

enum class StepStatus { ok, failed, skipped, manual, planned };
const char* to_string(StepStatus s);

struct StepResult {
  std::string id;
  std::string title;
  std::vector<std::string> args;       // after variable substitution
  std::string manual;                  // instructions, for manual steps
  StepStatus status = StepStatus::planned;
  int exit_code = 0;
  std::chrono::milliseconds duration{0};
  std::string output;
  std::string reason;                  // why skipped or failed
};

struct RunReport {
  std::string playbook;
  std::vector<StepResult> steps;
  bool ok = true;
  bool dry_run = false;
  std::chrono::milliseconds total{0};
};

enum class DryRun { no, yes };

// Rewrites a step's arguments so that a word a variable put in front ("{{description}}" given
// as "-1 h of errors") reaches the command as a value, not as an option: `from_variable[i]` says
// whether args[i] starts with a variable's text that starts with '-'. The CLI knows its command
// tree and does this; see cmd/playbook.cpp.
using ArgumentShaper = std::function<std::vector<std::string>(const std::vector<std::string>& args,
                                                              const std::vector<bool>& from_variable)>;

struct RunOptions {
  std::map<std::string, std::string> vars;           // override the playbook's defaults
  DryRun dry_run = DryRun::no;
  std::string at;                                    // only steps scheduled at this time ("09:00")
  std::function<void(const StepResult&)> on_step;    // progress, called after each step
  // Without one, a step whose variable text starts with '-' is refused rather than run.
  ArgumentShaper shape_args;
};

RunReport run(const Playbook& playbook, StepExecutor& executor, const RunOptions& options);

// Runs `program` (bscbot itself) with the step's arguments as a child process.
class ProcessExecutor final : public StepExecutor {
public:
  explicit ProcessExecutor(std::string program, std::vector<std::string> leading_args = {})
      : m_program(std::move(program)), m_leading(std::move(leading_args)) {}
  ExecResult execute(const std::vector<std::string>& args, std::chrono::seconds timeout) override;

private:
  std::string m_program;
  std::vector<std::string> m_leading;  // e.g. --config FILE, passed to every step
};

}  // namespace bscbot::core::playbook
