#include "daemon/daemon.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>
#include <condition_variable>
#include <thread>

#include "core/backup/restore.hpp"
#include "core/db/store.hpp"
#include "core/error.hpp"
#include "core/logs/log_files.hpp"
#include "core/notify/message.hpp"
#include "core/process/pid_file.hpp"
#include "core/util/crash_point.hpp"
#include "core/util/files.hpp"
#include "core/version.hpp"
#include "daemon/api/routes.hpp"
#include "daemon/app.hpp"
#include "daemon/auth.hpp"
#include "daemon/http/server.hpp"
#include "daemon/logging.hpp"
#include "daemon/metrics.hpp"
#include "daemon/notify_service.hpp"
#include "daemon/trading_service.hpp"
#include "daemon/ops_gauges.hpp"
#include "daemon/sampler.hpp"
#include "daemon/integrity_watch.hpp"
#include "daemon/systemd_notify.hpp"
#include "daemon/worker.hpp"
#include "daemon/ws/hub.hpp"

namespace net = boost::asio;

namespace bscbot::daemon {

using core::Error;
using core::ErrorKind;

namespace {

void refuse_unsafe_settings(const core::config::Config& cfg) {
  if (cfg.production() && cfg.boolean("DISABLE_AUTH")) {
    throw Error(ErrorKind::config, fmt::format("DISABLE_AUTH=true (from {}) is refused with NODE_ENV=production",
                                               cfg.source("DISABLE_AUTH").describe()));
  }
}

// A restore that died part-way leaves its journal beside the database: finish it or roll it
// back before opening the database, unless that restore is alive (then it is either starting
// us, with the database final, or we must not touch the files).
void settle_interrupted_restore(const core::config::Config& cfg, spdlog::logger& log) {
  const auto db = cfg.db_path();
  const auto journal = core::backup::read_journal(db);
  if (!journal) return;
  if (core::backup::RestoreLock::held(db)) {
    if (journal->step == core::backup::JournalStep::starting_daemon) return;
    throw Error(ErrorKind::conflict, fmt::format("a restore of {} is running (pid {}, {}); bscbotd starts when it is done",
                                                 db.string(), journal->pid, core::backup::to_string(journal->step)));
  }
  const auto r = core::backup::recover_restore(db, nullptr, static_cast<int>(cfg.integer("DB_BUSY_TIMEOUT_MS")));
  if (r) log.warn("{}", r->summary);
}

// Brings the schema up to date (or refuses a newer one) and returns its version.
int prepare_database(core::db::Store& store, const core::config::Config& cfg, spdlog::logger& log) {
  auto status = store.schema_status();
  core::db::require_known_schema(status, store.location());
  if (!status.pending.empty()) {
    if (!cfg.boolean("AUTO_MIGRATE")) {
      throw Error(ErrorKind::conflict, fmt::format("database {} needs {} migration(s) and AUTO_MIGRATE=false; run `bscbot db migrate`",
                                                   store.location(), status.pending.size()));
    }
    for (const std::string& name : store.migrate()) log.info("Applied migration {}", name);
    status = store.schema_status();
  }
  return status.current;
}

// A pid file left behind by a bscbotd that is gone: the last run was killed or crashed (a clean
// stop removes it). What the previous run said last is read before this run logs anything.
struct UncleanStop {
  pid_t pid = 0;
  std::string pid_file_written;
  std::vector<std::string> last_lines;
};

std::optional<UncleanStop> detect_unclean_stop(const core::config::Config& cfg) {
  const auto pid_path = cfg.pid_file();
  const auto pid = core::process::read_pid_file(pid_path);
  if (!pid || *pid == ::getpid() || core::process::is_running_program(*pid, "bscbotd")) return std::nullopt;
  UncleanStop u;
  u.pid = *pid;
  std::error_code ec;
  const auto mtime = std::filesystem::last_write_time(pid_path, ec);
  if (!ec) {
    u.pid_file_written = core::to_sql_datetime(std::chrono::time_point_cast<core::SystemTime::duration>(std::chrono::file_clock::to_sys(mtime))) + " UTC";
  }
  try {
    u.last_lines = core::logs::tail_lines(cfg.log_file(), 3);
  } catch (const std::exception&) {
  }
  return u;
}

core::notify::Event unclean_stop_event(const core::config::Config& cfg, const UncleanStop& u, std::int64_t pending) {
  core::notify::Event e;
  e.key = "daemon.unclean_stop";
  e.severity = core::notify::Severity::high;
  e.notice = true;
  e.what = fmt::format("bscbotd restarted after an unclean stop (pid {} ended without shutting down)", u.pid);
  e.evidence.push_back(fmt::format("pid file {} still named pid {}{}, which is not running", cfg.pid_file().string(), u.pid,
                                   u.pid_file_written.empty() ? "" : " (written " + u.pid_file_written + ")"));
  if (u.last_lines.empty()) e.evidence.push_back("the log holds nothing from the previous run");
  for (const auto& line : u.last_lines) e.evidence.push_back("last log line before: " + line);
  e.evidence.push_back(fmt::format("{} pending trade(s) to reconcile from their receipts", pending));
  e.next = "bscbot logs errors; bscbot diagnose service";
  e.source = "bscbotd start";
  return e;
}

}  // namespace

int run_daemon(const core::config::Config& cfg, bool log_to_stderr) {
  refuse_unsafe_settings(cfg);
  const auto pid_path = cfg.pid_file();
  // An old-style pid file naming a live bscbotd is taken at its word here: refusing to start
  // is the safe mistake.
  if (const auto other = core::process::check_pid_file(pid_path);
      other.state == core::process::PidState::ours || other.state == core::process::PidState::unproven) {
    throw Error(ErrorKind::conflict, fmt::format("bscbotd is already running (pid {}, pid file {})", *other.pid, pid_path.string()));
  }
  core::crash_point("daemon.starting");
  const auto unclean = detect_unclean_stop(cfg);
  const Loggers loggers = make_loggers(cfg, log_to_stderr);
  const auto& log = loggers.log;
  log->info("bscbotd {} starting (pid {}, NODE_ENV={})", k_version, ::getpid(), cfg.text("NODE_ENV"));
  if (cfg.boolean("DISABLE_AUTH")) {
    log->warn("DISABLE_AUTH=true: trading routes accept requests WITHOUT a token. Never run like this in production.");
  }

  settle_interrupted_restore(cfg, *log);
  core::crash_point("daemon.restore_settled");
  if (core::db::configured_backend(cfg) == core::db::Backend::sqlite && !std::filesystem::exists(cfg.db_path()) && cfg.boolean("AUTO_MIGRATE")) {
    // A new file appears whole (a start killed meanwhile leaves no half-migrated one).
    for (const std::string& name : core::db::create_sqlite_database(cfg)) log->info("Applied migration {}", name);
    log->info("Created database {}", cfg.db_path().string());
  }
  if (unclean) log->warn("The previous bscbotd (pid {}) did not stop cleanly: its pid file was left behind", unclean->pid);

  Metrics metrics;
  auto store = core::db::open_store(cfg, core::db::Access::create, core::db::daemon_store_options(cfg, make_query_observer(cfg, metrics, log)));
  const int schema_version = prepare_database(*store, cfg, *log);
  core::crash_point("daemon.database_ready");
  RuntimeState state;
  // A line that cannot be written (a full log disk) is counted for /api/health instead of
  // spdlog's note on stderr, which would land on the same full disk.
  loggers.set_error_handler([&state](const std::string& message) { state.log_write_failed(message); });
  // The access log's writer thread outlives `state`: it stops telling it before `state` goes.
  struct ForgetState {
    const Loggers& loggers;
    ~ForgetState() { loggers.set_error_handler(nullptr); }
  } forget_state{loggers};
  net::io_context ioc(static_cast<int>(cfg.integer("HTTP_THREADS")));
  App app{cfg, log, metrics, state, *store, schema_version, nullptr, nullptr, nullptr, loggers.access};
  // Every client socket is a descriptor: the two connection limits must fit the process's.
  const http::ConnectionBudget budget =
      http::plan_connection_budget(cfg.integer("HTTP_MAX_CONNECTIONS"), cfg.integer("MAX_CONNECTIONS"));
  if (budget.clamped) {
    log->warn("The file descriptor limit ({}) is too low for HTTP_MAX_CONNECTIONS={} and MAX_CONNECTIONS={}: serving at most {} HTTP "
              "and {} WebSocket clients; raise LimitNOFILE (systemd) or `ulimit -n`",
              budget.descriptors, cfg.integer("HTTP_MAX_CONNECTIONS"), cfg.integer("MAX_CONNECTIONS"), budget.http, budget.websocket);
  }
  WsHub hub(app, budget.websocket);
  app.hub = &hub;

  http::Router router;
  router.add(api::health_routes(app));
  router.add(api::metrics_routes(app));
  router.add(api::trading_routes(app));
  router.add(api::alert_routes(app));
  router.add(api::market_routes(app));
  router.add(api::status_page_routes(app));
  router.set_authorizer([&app](const http::Request& r, http::Auth needed) { return authorize(app, r, needed); });
  // Chain access and the trade queue run on the engine's own threads, never the worker loop's.
  std::unique_ptr<TradingService> trading;
  if (cfg.boolean("CHAIN_ENABLED")) {
    trading = std::make_unique<TradingService>(app);
    app.trading = trading.get();
    trading->start();
  }

  // Samples for the weekly report; CPU, disk and trade gauges for health and the alert rules.
  // Declared before the worker, so they outlive its jobs.
  MetricSampler sampler(app);
  OpsGauges ops_gauges(app);
  // The worker's first turn probes the database before the first request can ask about it.
  Worker worker(app);
  worker.every(std::chrono::seconds(cfg.integer("METRIC_SAMPLE_INTERVAL_S")), [&sampler] { sampler.sample(); });
  worker.every(std::chrono::seconds(1), [&ops_gauges] { ops_gauges.track_usage(); });
  worker.every(std::chrono::seconds(15), [&ops_gauges] { ops_gauges.refresh(); });
  worker.start();
  IntegrityWatch integrity(app);
  integrity.start();
  core::crash_point("daemon.worker_started");
  NotifyService notify(app);
  app.notify = &notify;
  std::vector<core::notify::Event> at_start;
  if (unclean) {
    std::int64_t pending = 0;
    try {
      pending = static_cast<std::int64_t>(store->trades().pending().size());
    } catch (const std::exception& e) {
      log->warn("Pending trades not counted for the unclean-stop notice: {}", e.what());
    }
    at_start.push_back(unclean_stop_event(cfg, *unclean, pending));
  }
  http::Server server(ioc, app, router, budget);
  server.listen();
  core::crash_point("daemon.listening");
  auto pid_file = std::make_unique<core::process::HeldPidFile>(pid_path, cfg.path("DATA_DIR"));
  core::crash_point("daemon.pid_written");
  notify.start(std::move(at_start));

  std::mutex done_mutex;
  std::condition_variable done_cv;
  bool done = false;
  std::thread deadline;

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log->info("Received {}; finishing in-flight requests (up to {} ms)", signo == SIGTERM ? "SIGTERM" : "SIGINT",
              cfg.integer("SHUTDOWN_TIMEOUT_MS"));
    notify_systemd("STOPPING=1");
    state.stopping = true;
    server.stop();
    hub.close_all();
    signals.clear();  // a second signal now ends the process at once
    deadline = std::thread([&] {
      std::unique_lock lock(done_mutex);
      if (!done_cv.wait_for(lock, std::chrono::milliseconds(cfg.integer("SHUTDOWN_TIMEOUT_MS")), [&] { return done; })) {
        log->warn("Shutdown timeout reached; closing remaining connections");
        ioc.stop();
      }
    });
  });

  log->info("Listening on {}:{} (database {}, schema version {})", cfg.text("HOST"), server.port(), store->location(),
            schema_version);
  notify_systemd("READY=1");
  core::crash_point("daemon.ready");

  std::vector<std::thread> threads;
  for (std::int64_t i = 1; i < cfg.integer("HTTP_THREADS"); ++i) threads.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  {
    std::lock_guard lock(done_mutex);
    done = true;
  }
  done_cv.notify_all();
  if (deadline.joinable()) deadline.join();
  if (trading) trading->stop();  // a swap awaiting its receipt stays pending for the next start
  notify.stop();
  app.notify = nullptr;

  worker.stop();
  try {
    sampler.sample();  // the last window, so a restart loses no requests from the weekly report
  } catch (const std::exception& e) {
    log->warn("Last metric sample not stored: {}", e.what());
  }
  pid_file.reset();
  log->info("bscbotd stopped");
  log->flush();
  loggers.access->flush();
  spdlog::shutdown();
  return 0;
}

}  // namespace bscbot::daemon
