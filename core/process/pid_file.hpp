#pragma once
// The daemon's pid file and the checks that keep a stale one from pointing `stop` at an
// unrelated process.
#include <sys/types.h>

#include <filesystem>
#include <optional>

namespace bscbot::core::process {

// The pid in `path`, or nullopt when the file is missing or unreadable.
std::optional<pid_t> read_pid_file(const std::filesystem::path& path);

// Writes our pid atomically.
void write_pid_file(const std::filesystem::path& path, pid_t pid);

// Removes the file if it still holds `pid` (a newer daemon may have replaced it).
void remove_pid_file(const std::filesystem::path& path, pid_t pid);

// True when `pid` is a live (not zombie) process whose executable is named `name`.
bool is_running_program(pid_t pid, const char* name);

}  // namespace bscbot::core::process
