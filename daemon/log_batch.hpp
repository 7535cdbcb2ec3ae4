#pragma once
// The access log's sink: request threads append their line to a batch in memory (no syscall, no
// thread woken), and a thread of its own writes the batch through the real sinks every 100 ms.
// spdlog's async logger wakes its writer for each line, which on a one-core deployment is a
// context switch per request (a sixth of the core under load, bench/README.md).
#include <spdlog/sinks/sink.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace bscbot::daemon {

class BatchingSink final : public spdlog::sinks::sink {
public:
  explicit BatchingSink(std::vector<spdlog::sink_ptr> inner);
  ~BatchingSink() override;  // writes what is left

  // Called (on the writer thread) with the error of a line the real sinks could not write.
  void set_error_handler(std::function<void(const std::string&)> handler);

  void log(const spdlog::details::log_msg& msg) override;
  // Writes the batch now and flushes the real sinks (spdlog's periodic flush, shutdown).
  void flush() override;
  void set_pattern(const std::string& pattern) override;
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override;

private:
  struct Line {
    spdlog::log_clock::time_point time;
    spdlog::level::level_enum level;
    std::size_t offset, size;  // of its text in m_text
  };
  void run();
  void write_pending();  // takes the batch and writes it; serialised by m_write_mutex

  std::vector<spdlog::sink_ptr> m_inner;
  std::function<void(const std::string&)> m_on_error;
  std::mutex m_mutex;  // the batch
  std::condition_variable m_wake;
  std::vector<Line> m_lines;
  std::string m_text;
  bool m_urgent = false, m_stopping = false;
  std::mutex m_write_mutex;  // one writer at a time, so lines keep their order
  std::vector<Line> m_writing;
  std::string m_writing_text;
  std::thread m_thread;
};

}  // namespace bscbot::daemon
