// Playbook conditions (`when:`): the input's first line is a condition, the rest says what the
// earlier steps did (one byte per step: ran, ok, skipped, exit code). The condition is
// validated against those step ids as parse() does, then evaluated as run() does. Properties:
// a condition is refused only with core::Error; one that validates also evaluates; `not X` is
// the opposite of X for a single term; `X and always` equals X; `X or failed` holds whenever X does.
#include <sstream>

#include "core/playbook/condition.hpp"
#include "fuzz/support/fuzz_support.hpp"

using namespace bscbot::core::playbook;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = bscbot::fuzz::as_text(data, size);
  const auto newline = input.find('\n');
  const std::string condition(input.substr(0, newline));
  const std::string_view steps = newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);

  static const std::vector<std::string> k_ids = {"health", "backup", "cleanup", "audit", "trades", "disk", "logs", "verify"};
  std::vector<std::string> earlier;
  std::map<std::string, StepOutcome> outcomes;
  for (std::size_t i = 0; i < steps.size() && i < k_ids.size(); ++i) {
    const auto b = static_cast<unsigned char>(steps[i]);
    earlier.push_back(k_ids[i]);
    StepOutcome o;
    o.ran = b & 1;
    o.ok = o.ran && (b & 2);
    o.skipped = !o.ran && (b & 4);
    o.exit_code = o.ran ? static_cast<int>(b >> 3) - 2 : 0;
    outcomes[k_ids[i]] = o;
  }

  bool valid = false;
  bscbot::fuzz::allow_refusal([&] {
    validate_condition(condition, earlier, "playbooks/fuzz.yaml:3:11");
    valid = true;
  });
  if (!valid) {
    bscbot::fuzz::allow_refusal([&] { (void)evaluate_condition(condition, outcomes); });
    return 0;
  }
  const bool value = evaluate_condition(condition, outcomes);
  // `not` binds to one term and and/or fold left to right, so `not X` negates only a single term.
  std::istringstream words(condition);
  bool single_term = true;
  for (std::string w; words >> w;) single_term = single_term && w != "and" && w != "or";
  if (single_term) BSCBOT_FUZZ_CHECK(evaluate_condition("not " + condition, outcomes) == !value, condition);
  BSCBOT_FUZZ_CHECK(evaluate_condition(condition + " and always", outcomes) == value, condition);
  BSCBOT_FUZZ_CHECK(!value || evaluate_condition(condition + " or failed", outcomes), condition);
  return 0;
}
