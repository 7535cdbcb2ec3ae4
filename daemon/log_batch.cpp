#include "daemon/log_batch.hpp"

#include <spdlog/details/log_msg.h>

namespace bscbot::daemon {

namespace {

constexpr auto k_interval = std::chrono::milliseconds(100);
// Past this much text the writer is woken at once, which bounds the batch's memory under a flood.
constexpr std::size_t k_wake_bytes = 256 * 1024;

}  // namespace

BatchingSink::BatchingSink(std::vector<spdlog::sink_ptr> inner) : m_inner(std::move(inner)), m_thread([this] { run(); }) {}

BatchingSink::~BatchingSink() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_one();
  m_thread.join();
  flush();
}

void BatchingSink::set_error_handler(std::function<void(const std::string&)> handler) {
  std::lock_guard lock(m_write_mutex);
  m_on_error = std::move(handler);
}

void BatchingSink::log(const spdlog::details::log_msg& msg) {
  bool wake;
  {
    std::lock_guard lock(m_mutex);
    m_lines.push_back({msg.time, msg.level, m_text.size(), msg.payload.size()});
    m_text.append(msg.payload.data(), msg.payload.size());
    // A warning or worse (a refused request) reaches the file as promptly as other warnings.
    if (msg.level >= spdlog::level::warn) m_urgent = true;
    wake = m_urgent || m_text.size() >= k_wake_bytes;
  }
  if (wake) m_wake.notify_one();
}

void BatchingSink::run() {
  std::unique_lock lock(m_mutex);
  while (!m_stopping) {
    m_wake.wait_for(lock, k_interval, [this] { return m_stopping || m_urgent || m_text.size() >= k_wake_bytes; });
    const bool urgent = m_urgent;
    m_urgent = false;
    lock.unlock();
    write_pending();
    if (urgent) {
      std::lock_guard write_lock(m_write_mutex);
      for (auto& target : m_inner) target->flush();
    }
    lock.lock();
  }
}

void BatchingSink::write_pending() {
  std::lock_guard write_lock(m_write_mutex);
  {
    // Swapped, not copied: both buffers keep their capacity for the next batch.
    std::lock_guard lock(m_mutex);
    m_lines.swap(m_writing);
    m_text.swap(m_writing_text);
  }
  for (const Line& line : m_writing) {
    const spdlog::details::log_msg msg(line.time, spdlog::source_loc{}, "bscbotd-access", line.level,
                                       spdlog::string_view_t(m_writing_text.data() + line.offset, line.size));
    for (auto& target : m_inner) {
      if (!target->should_log(line.level)) continue;
      try {
        target->log(msg);
      } catch (const std::exception& e) {
        if (m_on_error) m_on_error(e.what());
      }
    }
  }
  m_writing.clear();
  m_writing_text.clear();
}

void BatchingSink::flush() {
  write_pending();
  std::lock_guard write_lock(m_write_mutex);
  for (auto& target : m_inner) {
    try {
      target->flush();
    } catch (const std::exception& e) {
      if (m_on_error) m_on_error(e.what());
    }
  }
}

void BatchingSink::set_pattern(const std::string& pattern) {
  for (auto& target : m_inner) target->set_pattern(pattern);
}

void BatchingSink::set_formatter(std::unique_ptr<spdlog::formatter> formatter) {
  for (auto& target : m_inner) target->set_formatter(formatter->clone());
}

}  // namespace bscbot::daemon
