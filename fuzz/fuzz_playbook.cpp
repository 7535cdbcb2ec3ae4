// Playbook parsing and running (core/playbook): the input is a playbook YAML, parsed and
// validated as `bscbot playbook show|run` does (keys, ids, conditions, {{vars}}, exit codes,
// timeouts), then run twice with a scripted executor that answers each step with an exit code
// taken from its arguments (no process is started): once for real and once as --dry-run at the
// manual's 09:00 slot. Properties: bad text is refused with core::Error naming file:line:column;
// a parsed playbook runs without any other exception; every step gets exactly one result, and a
// dry run executes nothing.
#include <numeric>

#include "core/playbook/playbook.hpp"
#include "core/playbook/runner.hpp"
#include "fuzz/support/fuzz_support.hpp"

using namespace bscbot::core::playbook;

namespace {

class ScriptedExecutor final : public StepExecutor {
public:
  ExecResult execute(const std::vector<std::string>& args, std::chrono::seconds) override {
    ++calls;
    std::size_t h = 0;
    for (const auto& a : args) h = h * 31 + std::hash<std::string>{}(a);
    return {static_cast<int>(h % 4), "output of " + std::to_string(args.size()) + " words", h % 17 == 0};
  }
  int calls = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(bscbot::fuzz::as_text(data, size));
  std::optional<Playbook> pb;
  bscbot::fuzz::allow_refusal([&] { pb = parse(text, "playbooks/fuzz.yaml"); });
  if (!pb) return 0;
  BSCBOT_FUZZ_CHECK(!pb->steps.empty(), text);

  ScriptedExecutor executor;
  RunOptions options;
  if (!pb->vars.empty()) options.vars[pb->vars.begin()->first] = "--override value";
  bscbot::fuzz::allow_refusal([&] {
    const RunReport report = run(*pb, executor, options);
    BSCBOT_FUZZ_CHECK(report.steps.size() == pb->steps.size(), text);
  });

  ScriptedExecutor dry;
  options.dry_run = DryRun::yes;
  options.at = "09:00";
  bscbot::fuzz::allow_refusal([&] {
    const RunReport report = run(*pb, dry, options);
    BSCBOT_FUZZ_CHECK(report.steps.size() == pb->steps.size() && dry.calls == 0, text);
  });
  return 0;
}
