#include "daemon/logging.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "core/logs/log_message.hpp"
#include "daemon/log_batch.hpp"

namespace bscbot::daemon {

namespace {

// Guards every message (core/logs/log_message.hpp: secrets masked, length capped) before the
// real sink writes it. It runs on the logger's background thread, never a request thread.
class GuardedSink final : public spdlog::sinks::sink {
public:
  explicit GuardedSink(spdlog::sink_ptr inner) : m_inner(std::move(inner)) {}

  void log(const spdlog::details::log_msg& msg) override {
    const auto text = core::logs::guarded_log_message(std::string_view(msg.payload.data(), msg.payload.size()));
    if (!text) {
      m_inner->log(msg);
      return;
    }
    spdlog::details::log_msg copy(msg);
    copy.payload = spdlog::string_view_t(text->data(), text->size());
    m_inner->log(copy);
  }
  void flush() override { m_inner->flush(); }
  void set_pattern(const std::string& pattern) override { m_inner->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override { m_inner->set_formatter(std::move(formatter)); }

private:
  spdlog::sink_ptr m_inner;
};

}  // namespace

Loggers make_loggers(const core::config::Config& cfg, bool also_stderr) {
  std::filesystem::create_directories(cfg.log_dir());
  // Background threads write the lines, so a slow disk does not slow the request threads.
  // The queue's slots are allocated up front (about 400 bytes each) and stay resident. Only the
  // daemon's own log goes through it (the access log is batched, below): a few lines a minute,
  // bursts of tens at start or in an outage, so 256 slots (0.1 MB; spdlog's usual 8192 would be
  // 3.3 MB) are far more than it waits on; a full queue makes the logging thread wait, never drops.
  spdlog::init_thread_pool(256, 1);
  std::vector<spdlog::sink_ptr> sinks;
  sinks.push_back(std::make_shared<GuardedSink>(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
      cfg.log_file().string(), static_cast<std::size_t>(cfg.integer("LOG_MAX_SIZE_MB")) * 1024 * 1024,
      static_cast<std::size_t>(cfg.integer("LOG_MAX_FILES")))));
  if (also_stderr) sinks.push_back(std::make_shared<GuardedSink>(std::make_shared<spdlog::sinks::stderr_sink_mt>()));
  const auto level = spdlog::level::from_str(cfg.text("LOG_LEVEL"));
  const auto setup = [&](const std::shared_ptr<spdlog::logger>& logger, spdlog::level::level_enum at) {
    // UTC timestamps, like every other time bscbot writes.
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e [%l] %v", spdlog::pattern_time_type::utc);
    logger->set_level(at);
    spdlog::register_logger(logger);
  };
  Loggers out;
  // Both loggers share the sinks (one file, one rotation).
  out.log = std::make_shared<spdlog::async_logger>("bscbotd", sinks.begin(), sinks.end(), spdlog::thread_pool(),
                                                   spdlog::async_overflow_policy::block);
  setup(out.log, level);
  out.log->flush_on(spdlog::level::warn);
  // The access log, a line per request, is batched (daemon/log_batch.hpp) instead.
  out.access_sink = std::make_shared<BatchingSink>(sinks);
  out.access = std::make_shared<spdlog::logger>("bscbotd-access", out.access_sink);
  setup(out.access, cfg.boolean("ACCESS_LOG") ? std::min(level, spdlog::level::info) : level);
  spdlog::flush_every(std::chrono::seconds(1));
  return out;
}

void Loggers::set_error_handler(const std::function<void(const std::string&)>& handler) const {
  log->set_error_handler(handler);
  access->set_error_handler(handler);
  access_sink->set_error_handler(handler);
}

}  // namespace bscbot::daemon
