#include "core/logs/log_files.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <memory>
#include <map>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "core/util/crash_point.hpp"
#include "core/util/files.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::logs {

std::vector<fs::path> log_files(const fs::path& dir) {
  std::vector<std::pair<fs::file_time_type, fs::path>> found;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return {};
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".log") found.emplace_back(e.last_write_time(), e.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> out;
  for (auto& [_, p] : found) out.push_back(p);
  return out;
}

std::vector<std::string> tail_lines(const fs::path& file, std::size_t count) {
  std::ifstream in(file, std::ios::binary);
  if (!in || count == 0) return {};
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  std::string buffer;
  std::streamoff pos = size;
  std::size_t newlines = 0;
  constexpr std::streamoff k_chunk = 64 * 1024;
  // Read backwards until we have enough lines (one extra newline: the file's last).
  while (pos > 0 && newlines <= count) {
    const std::streamoff step = std::min(k_chunk, pos);
    pos -= step;
    std::string chunk(static_cast<std::size_t>(step), '\0');
    in.seekg(pos);
    in.read(chunk.data(), step);
    newlines += static_cast<std::size_t>(std::count(chunk.begin(), chunk.end(), '\n'));
    buffer.insert(0, chunk);
  }
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < buffer.size()) {
    auto nl = buffer.find('\n', start);
    if (nl == std::string::npos) nl = buffer.size();
    lines.push_back(buffer.substr(start, nl - start));
    start = nl + 1;
  }
  if (lines.size() > count) lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(count));
  return lines;
}

bool is_error_line(const std::string& line) {
  std::string lower(line);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("error") != std::string::npos || lower.find("[critical]") != std::string::npos;
}

std::vector<std::string> recent_errors(const fs::path& dir, std::size_t scan) {
  std::vector<std::string> errors;
  auto files = log_files(dir);
  std::reverse(files.begin(), files.end());  // newest first
  std::size_t left = scan;
  std::vector<std::vector<std::string>> chunks;
  for (const auto& f : files) {
    if (left == 0 || f.filename().string().rfind("archive_", 0) == 0) continue;
    auto lines = tail_lines(f, left);
    left -= std::min(left, lines.size());
    chunks.push_back(std::move(lines));
  }
  // Oldest first, so the newest error is last, as `tail | grep` shows it.
  for (auto it = chunks.rbegin(); it != chunks.rend(); ++it) {
    for (auto& l : *it) {
      if (is_error_line(l)) errors.push_back(std::move(l));
    }
  }
  return errors;
}

}  // namespace bscbot::core::logs
