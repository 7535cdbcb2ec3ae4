#pragma once
// Commands that must not fail in silence (backup, backup verify, drill, playbook run,
// audit --production) report their outcome through core/notify: a failure fires an alert to the
// routes of its level, the next success resolves it. Sending is best effort: a notification
// that cannot go out is a warning on stderr, never the command's own result.
#include <functional>
#include <string>
#include <vector>

#include "cmd/context.hpp"
#include "core/notify/notifier.hpp"
#include "core/notify/sources.hpp"

namespace bscbot::cmd {

// A notifier over the real channels, with the command's clock.
struct CliNotifier {
  explicit CliNotifier(Context& ctx);
  core::notify::CurlSender sender;
  core::notify::Notifier notifier;
};

// What a watched command says about itself while it runs.
struct Watched {
  std::string key;                      // "command.backup"
  std::string name;                     // "bscbot backup"
  core::notify::Severity severity = core::notify::Severity::high;
  std::string next;                     // the command to run next after a failure
  std::string failure;                  // why it failed, when it fails by exit code
  std::vector<std::string> evidence;
};

// Runs `body`; an exception or an exit code of `failing_from` or more notifies a failure (and
// is passed on unchanged), a lower exit code resolves an earlier failure.
int run_watched(Context& ctx, Watched& watched, const std::function<int()>& body, int failing_from = 1);

// Sends `events` and prints a line per problem on stderr; returns false when something was not
// delivered, or when no channel is set up at all (then nothing is said).
bool send_events(Context& ctx, const std::vector<core::notify::Event>& events);

}  // namespace bscbot::cmd
