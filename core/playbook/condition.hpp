#pragma once
// Conditions on earlier steps: `health.ok`, `not cleanup.ok`, `health.exit == 1`,
// `audit.exit >= 2`, `health.ok and not trades.skipped`, `always`, `failed` (any step so far).
#include <map>
#include <string>
#include <vector>

namespace bscbot::core::playbook {

struct StepOutcome {
  bool ran = false;
  bool ok = false;
  bool skipped = false;
  int exit_code = 0;
};

// Checks syntax and that every referenced step id is among `earlier`; throws core::Error(config).
void validate_condition(const std::string& condition, const std::vector<std::string>& earlier, const std::string& where);

// Evaluates a validated condition against the outcomes so far.
bool evaluate_condition(const std::string& condition, const std::map<std::string, StepOutcome>& outcomes);

}  // namespace bscbot::core::playbook
