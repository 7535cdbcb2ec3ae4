#include "cmd/progress.hpp"

#include <unistd.h>

#include <iostream>

namespace bscbot::cmd {

namespace {

constexpr int k_width = 24;

}  // namespace

ProgressBar::ProgressBar(const Output& out) : m_active(!out.json() && !out.quiet() && ::isatty(STDERR_FILENO)) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(const core::backup::BackupProgress& p) {
  if (!m_active) return;
  const auto now = std::chrono::steady_clock::now();
  const bool phase_changed = p.phase != m_phase;
  const bool complete = p.total > 0 && p.done >= p.total;
  if (!phase_changed && !complete && now - m_last < std::chrono::milliseconds(100)) return;
  m_last = now;
  m_phase = std::string(p.phase);
  std::string text;
  if (p.total > 0) {
    const double fraction = static_cast<double>(p.done) / static_cast<double>(p.total);
    const int filled = static_cast<int>(fraction * k_width);
    text = fmt::format("{:<9}[{}{}] {:3.0f}%  {} / {}", m_phase, std::string(static_cast<std::size_t>(filled), '#'),
                       std::string(static_cast<std::size_t>(k_width - filled), '-'), fraction * 100,
                       human_bytes(static_cast<double>(p.done)), human_bytes(static_cast<double>(p.total)));
    if (p.pages_total >= 0) text += fmt::format("  {}/{} pages", p.pages_done, p.pages_total);
  } else {
    text = fmt::format("{:<9}...", m_phase);
  }
  std::cerr << "\r" << text << "\x1b[K" << std::flush;
  m_drawn = true;
}

void ProgressBar::update_rows(std::string_view phase, std::int64_t done, std::int64_t total) {
  if (!m_active) return;
  const auto now = std::chrono::steady_clock::now();
  if (phase == m_phase && done < total && now - m_last < std::chrono::milliseconds(100)) return;
  m_last = now;
  m_phase = std::string(phase);
  const double fraction = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  const int filled = static_cast<int>(fraction * k_width);
  std::cerr << "\r"
            << fmt::format("{:<15}[{}{}] {:3.0f}%  {} / {} rows", m_phase, std::string(static_cast<std::size_t>(filled), '#'),
                           std::string(static_cast<std::size_t>(k_width - filled), '-'), fraction * 100, done, total)
            << "\x1b[K" << std::flush;
  m_drawn = true;
}

void ProgressBar::finish() {
  if (m_drawn) std::cerr << "\r\x1b[K" << std::flush;
  m_drawn = false;
}

}  // namespace bscbot::cmd
