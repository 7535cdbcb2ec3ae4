#pragma once
// The daemon's log folder as the manual treats it: `tail -1000 logs/api-server.log | grep -i
// error`, `find logs/ -name "*.log" -mtime +30` (the monthly tar.gz: core/logs/log_archive.hpp).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/util/clock.hpp"

namespace bscbot::core::logs {

// *.log files in `dir` (the live api-server.log and its rotations), oldest modification first.
std::vector<std::filesystem::path> log_files(const std::filesystem::path& dir);

// The last `count` lines of `file` (reads from the end; cheap on large logs).
std::vector<std::string> tail_lines(const std::filesystem::path& file, std::size_t count);

// Whether a log line reports an error the way the manual counts them (`grep -i error`).
bool is_error_line(const std::string& line);

// The error lines among the last `scan` lines of the live log and, when needed, its rotations.
std::vector<std::string> recent_errors(const std::filesystem::path& dir, std::size_t scan);

}  // namespace bscbot::core::logs
