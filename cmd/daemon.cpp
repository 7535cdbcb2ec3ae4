// bscbot daemon start|stop|status|restart|run: what `pm2 start/stop/status` did for the Node.js
// bot, through the pid file and /api/health.
#include <unistd.h>

#include "cmd/commands.hpp"
#include "core/backup/restore.hpp"
#include "core/error.hpp"
#include "core/util/clock.hpp"

namespace bscbot::cmd {

namespace {

std::chrono::milliseconds timeout_of(const std::string& text) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(core::parse_duration(text));
}

nlohmann::json status_json(const core::process::DaemonStatus& s) {
  nlohmann::json j = {{"running", s.running()},
                      {"pid", s.pid ? nlohmann::json(*s.pid) : nlohmann::json(nullptr)},
                      {"url", s.url},
                      {"reachable", s.health.reachable},
                      {"http_status", s.health.http_status},
                      {"response_ms", static_cast<double>(s.health.elapsed.count()) / 1000.0},
                      {"stale_pid_file", s.stale_pid_file}};
  if (!s.pid_file_note.empty()) j["pid_file_note"] = s.pid_file_note;
  if (!s.health.body.is_null()) j["health"] = s.health.body;
  if (!s.health.error.empty()) j["error"] = s.health.error;
  return j;
}

// LSB status codes: 0 running and healthy, 1 running but unhealthy, 3 not running.
int run_status(Context& ctx) {
  auto d = ctx.daemon();
  const auto s = d.status();
  auto& out = ctx.out();
  out.document(status_json(s));
  if (!s.running() && !s.health.reachable) {
    out.line(fmt::format("bscbotd is {} ({}){}", out.paint("not running", Tone::bad), s.url,
                         s.stale_pid_file ? "; the pid file was stale" : ""));
    if (!s.pid_file_note.empty()) out.line("  pid file: " + s.pid_file_note);
    return 3;
  }
  const auto& h = s.health.body;
  const bool healthy = s.health.healthy();
  out.line(fmt::format("bscbotd is {} (pid {}, {})", healthy ? out.paint("running", Tone::ok) : out.paint("unhealthy", Tone::bad),
                       s.pid ? std::to_string(*s.pid) : "unknown: not started from this folder", s.url));
  if (h.is_object()) {
    out.line(fmt::format("  version {}  uptime {}  database {}  websocket clients {}  trade queue {}  answer {:.1f} ms",
                         h.value("version", "?"),
                         core::format_duration(std::chrono::milliseconds(static_cast<long long>(h.value("uptime_seconds", 0.0) * 1000))),
                         h["database"].value("state", "?"), h.value("websocket_connections", 0), h.value("trade_queue_length", 0),
                         static_cast<double>(s.health.elapsed.count()) / 1000.0));
    if (h.contains("reason")) out.line(fmt::format("  reason: {}", h["reason"].get<std::string>()));
  } else if (!s.health.error.empty()) {
    out.line("  health: " + s.health.error);
  }
  return healthy ? 0 : 1;
}

// A restore that was killed is finished or rolled back before bscbotd opens the database.
void recover_restore(Context& ctx) {
  const auto& cfg = ctx.config();
  if (cfg.text("DB_CLIENT") != "sqlite") return;
  const auto r = core::backup::recover_restore(cfg.db_path(), nullptr, static_cast<int>(cfg.integer("DB_BUSY_TIMEOUT_MS")));
  if (r) ctx.out().line(r->summary);
}

int run_start(Context& ctx, const std::string& timeout) {
  auto d = ctx.daemon();
  recover_restore(ctx);
  const pid_t pid = d.start(timeout_of(timeout));
  ctx.out().document({{"started", true}, {"pid", pid}, {"url", d.base_url()}});
  ctx.out().line(fmt::format("bscbotd started (pid {}, {})", pid, d.base_url()));
  return 0;
}

int run_stop(Context& ctx, const std::string& timeout, bool force) {
  auto d = ctx.daemon();
  const auto r = d.stop(timeout_of(timeout), force);
  ctx.out().document({{"stopped", r.stopped}, {"was_running", r.stopped}, {"pid_file_note", r.note}});
  ctx.out().line(r.stopped ? "bscbotd stopped" : "bscbotd was not running");
  if (!r.note.empty()) ctx.out().line(fmt::format("  the pid file was set aside, nothing signalled: {}", r.note));
  return 0;
}

int run_restart(Context& ctx, const std::string& timeout, bool force) {
  auto d = ctx.daemon();
  const bool was_running = d.stop(timeout_of(timeout), force).stopped;
  recover_restore(ctx);
  const pid_t pid = d.start(timeout_of(timeout));
  ctx.out().document({{"restarted", was_running}, {"pid", pid}, {"url", d.base_url()}});
  ctx.out().line(fmt::format("bscbotd {} (pid {}, {})", was_running ? "restarted" : "started", pid, d.base_url()));
  return 0;
}

// Replaces this process with bscbotd in the foreground (systemd, containers, debugging).
int run_foreground(Context& ctx) {
  const auto& cfg = ctx.config();
  const std::string exe = core::process::default_bscbotd_path(cfg).string();
  for (const auto& [k, v] : ctx.overrides()) ::setenv(k.c_str(), v.c_str(), 1);
  std::vector<std::string> args = {exe, "--log-stderr"};
  if (!ctx.options.config_file.empty()) {
    args.push_back("--config");
    args.push_back(ctx.options.config_file);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execvp(exe.c_str(), argv.data());
  throw core::Error(core::ErrorKind::not_found, fmt::format("cannot run {}: {}; set BSCBOTD_PATH", exe, std::strerror(errno)));
}

}  // namespace

void setup_daemon(CLI::App& command, Context& ctx) {
  command.require_subcommand(1);
  auto timeout = std::make_shared<std::string>("15s");
  auto stop_timeout = std::make_shared<std::string>("30s");
  auto force = std::make_shared<bool>(false);

  auto* start = command.add_subcommand("start", "Start bscbotd in the background and wait until it answers");
  start->add_option("--timeout", *timeout, "How long to wait for /api/health (e.g. 15s)")->capture_default_str();
  start->callback([&ctx, timeout] { ctx.run = [&ctx, timeout] { return run_start(ctx, *timeout); }; });

  auto* stop = command.add_subcommand("stop", "Stop bscbotd gracefully (SIGTERM) and wait for it to exit");
  stop->add_option("--timeout", *stop_timeout, "How long to wait before giving up (or killing, with --force)")->capture_default_str();
  stop->add_flag("--force", *force, "SIGKILL the daemon if it has not stopped by the timeout");
  stop->callback([&ctx, stop_timeout, force] { ctx.run = [&ctx, stop_timeout, force] { return run_stop(ctx, *stop_timeout, *force); }; });

  auto* restart = command.add_subcommand("restart", "Stop bscbotd if it runs, then start it");
  restart->add_option("--timeout", *stop_timeout, "Stop and start timeout")->capture_default_str();
  restart->add_flag("--force", *force, "SIGKILL the daemon if it has not stopped by the timeout");
  restart->callback([&ctx, stop_timeout, force] { ctx.run = [&ctx, stop_timeout, force] { return run_restart(ctx, *stop_timeout, *force); }; });

  auto* status = command.add_subcommand("status", "Is bscbotd running and healthy? (exit 0 healthy, 1 unhealthy, 3 stopped)");
  status->callback([&ctx] { ctx.run = [&ctx] { return run_status(ctx); }; });

  auto* run = command.add_subcommand("run", "Run bscbotd in the foreground, logging to stderr too");
  run->callback([&ctx] { ctx.run = [&ctx] { return run_foreground(ctx); }; });
}

}  // namespace bscbot::cmd
