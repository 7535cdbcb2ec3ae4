#include "cmd/alerting.hpp"

#include <fmt/format.h>

#include <iostream>

#include "core/error.hpp"

namespace bscbot::cmd {

CliNotifier::CliNotifier(Context& ctx) : sender(ctx.config()), notifier(ctx.config(), core::notify::NotifyEdges{&ctx.clock(), &sender, {}}) {}

bool send_events(Context& ctx, const std::vector<core::notify::Event>& events) {
  try {
    // A deployment that has set up no channel yet is not told so on every run.
    if (!core::notify::any_channel_configured(ctx.config())) return false;
    CliNotifier n(ctx);
    const auto r = n.notifier.report(events);
    for (const auto& d : r.deliveries) {
      if (d.ok) ctx.out().note(fmt::format("notified {} ({})", d.destination.describe(), fmt::join(d.destination.contacts, ", ")));
      else std::cerr << fmt::format("bscbot: notification to {} failed after {} attempt(s): {}\n", d.destination.describe(), d.attempts, d.error);
    }
    for (const auto& p : r.problems) std::cerr << "bscbot: notification: " << p << "\n";
    for (const auto& i : r.undelivered) std::cerr << fmt::format("bscbot: notification {} reached nobody\n", i.id);
    return r.all_delivered();
  } catch (const std::exception& e) {
    std::cerr << "bscbot: notification not sent: " << e.what() << "\n";
    return false;
  }
}

namespace {

void report(Context& ctx, const Watched& w, bool failed, const std::string& reason) {
  core::notify::CommandOutcome o;
  o.key = w.key;
  o.failed = failed;
  o.severity = w.severity;
  o.what = failed ? fmt::format("{} failed: {}", w.name, reason) : fmt::format("{} succeeded again", w.name);
  o.evidence = w.evidence;
  o.next = w.next;
  send_events(ctx, {core::notify::command_event(o, w.name)});
}

}  // namespace

int run_watched(Context& ctx, Watched& w, const std::function<int()>& body, int failing_from) {
  int code = 0;
  try {
    code = body();
  } catch (const core::Error& e) {
    w.evidence.insert(w.evidence.begin(), fmt::format("exit code {}: {}", core::exit_code_for(e.kind()), e.what()));
    report(ctx, w, true, e.what());
    throw;
  }
  if (code >= failing_from) {
    w.evidence.insert(w.evidence.begin(), fmt::format("exit code {}", code));
    report(ctx, w, true, w.failure.empty() ? fmt::format("exit code {}", code) : w.failure);
  } else {
    report(ctx, w, false, "");
  }
  return code;
}

}  // namespace bscbot::cmd
