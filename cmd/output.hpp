#pragma once
// Printing for humans and machines: --json prints one JSON document on stdout and nothing else;
// --quiet keeps only what a script needs; colour only on a terminal, never with NO_COLOR.
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace bscbot::cmd {

enum class Tone { plain, ok, warn, bad, dim, bold };

class Output {
public:
  Output(bool json, bool quiet);

  bool json() const { return m_json; }
  bool quiet() const { return m_quiet; }
  bool color() const { return m_color; }
  bool interactive() const { return m_tty_in && m_tty_out; }

  // A result line for humans (suppressed in JSON mode).
  void line(const std::string& text) const;
  // Progress and commentary (suppressed in JSON and quiet modes), on stderr.
  void note(const std::string& text) const;
  // The JSON document (JSON mode only).
  void document(const nlohmann::json& doc) const;

  std::string paint(const std::string& text, Tone tone) const;

  // Asks a yes/no question on the terminal; false when not interactive.
  bool confirm(const std::string& question) const;

private:
  bool m_json;
  bool m_quiet;
  bool m_color;
  bool m_tty_in;
  bool m_tty_out;
};

// A left-aligned text table with a header row.
class Table {
public:
  explicit Table(std::vector<std::string> header) : m_header(std::move(header)) {}
  void row(std::vector<std::string> cells) { m_rows.push_back(std::move(cells)); }
  std::string render() const;
  bool empty() const { return m_rows.empty(); }

private:
  std::vector<std::string> m_header;
  std::vector<std::vector<std::string>> m_rows;
};

// "1.2 MB", "640 KB", "12 B"
std::string human_bytes(double bytes);

}  // namespace bscbot::cmd
