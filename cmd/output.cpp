#include "cmd/output.hpp"

#include "core/util/units.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>

namespace bscbot::cmd {

Output::Output(bool json, bool quiet)
    : m_json(json),
      m_quiet(quiet),
      m_color(::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr && !json),
      m_tty_in(::isatty(STDIN_FILENO)),
      m_tty_out(::isatty(STDERR_FILENO)) {}

void Output::line(const std::string& text) const {
  if (!m_json) std::cout << text << "\n";
}

void Output::note(const std::string& text) const {
  if (!m_json && !m_quiet) std::cerr << text << "\n";
}

void Output::document(const nlohmann::json& doc) const {
  if (m_json) std::cout << doc.dump(2) << "\n";
}

std::string Output::paint(const std::string& text, Tone tone) const {
  if (!m_color) return text;
  const char* code = "";
  switch (tone) {
    case Tone::plain: return text;
    case Tone::ok: code = "32"; break;
    case Tone::warn: code = "33"; break;
    case Tone::bad: code = "31;1"; break;
    case Tone::dim: code = "2"; break;
    case Tone::bold: code = "1"; break;
  }
  return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
}

bool Output::confirm(const std::string& question) const {
  if (!interactive()) return false;
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes" || answer == "YES";
}

std::string Table::render() const {
  std::vector<std::size_t> width(m_header.size(), 0);
  auto measure = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size() && i < width.size(); ++i) width[i] = std::max(width[i], cells[i].size());
  };
  measure(m_header);
  for (const auto& r : m_rows) measure(r);
  std::string out;
  auto emit = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t i = 0; i < cells.size() && i < width.size(); ++i) {
      line += cells[i];
      if (i + 1 < cells.size()) line += std::string(width[i] - cells[i].size() + 2, ' ');
    }
    out += line + "\n";
  };
  emit(m_header);
  for (const auto& r : m_rows) emit(r);
  return out;
}

std::string human_bytes(double bytes) { return core::bytes_text(bytes); }

}  // namespace bscbot::cmd
