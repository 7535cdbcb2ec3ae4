#pragma once
// Filesystem edges shared by every command: atomic writes, free-space checks, and the one naming
// rule of files still being written.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bscbot::core {

// Writes `content` to `path` so that readers see the old file or the whole new one, never a
// torn one: temp file beside it, fsync, rename, fsync of the directory. `mode` is applied to the
// temp file before any byte is written, so secrets are never readable by others.
void atomic_write_file(const std::filesystem::path& path, std::string_view content,
                       std::filesystem::perms mode = std::filesystem::perms(0644));

// fsyncs a file or directory by path; throws core::Error(io) naming it on failure.
void fsync_path(const std::filesystem::path& path);

// Renames `from` to `to` and fsyncs the destination directory.
void durable_rename(const std::filesystem::path& from, const std::filesystem::path& to);

// Reads a whole file; throws core::Error(not_found/io) naming it.
std::string read_file(const std::filesystem::path& path);

// Bytes available to an unprivileged writer on the filesystem holding `path`.
std::uintmax_t available_bytes(const std::filesystem::path& path);

// Sets the modification time of `path` to `t`, so a file's age (`ls -t`, `find -mtime`, our own
// mtime fallbacks) agrees with the clock the command that wrote it reasoned with; throws
// core::Error(io) naming the file.
void set_modified_time(const std::filesystem::path& path, std::chrono::system_clock::time_point t);

// The one naming rule for a file being written: ".<name>.tmp-<pid>-<n>" beside its final
// `path`, hidden, unique to this process, and naming the writer. Every writer in bscbot (atomic
// writes, staged backups, restore staging, log archives, the `latest` link) uses it, so the next
// run of a command can tell what a killed run left behind from what a live one is writing.
std::filesystem::path temp_path_beside(const std::filesystem::path& path);

// A file named by temp_path_beside() (or SQLite's -wal, -shm or -journal of one), found in a folder.
struct TempFile {
  std::filesystem::path path;
  std::string final_name;      // what it would have been renamed to
  pid_t writer = 0;            // the process that wrote it
  std::uintmax_t bytes = 0;
  bool writer_alive = false;   // that process is still a running bscbot program
};

// The final name and the writer's pid of a temp name, or nullopt for any other name.
std::optional<std::pair<std::string, pid_t>> parse_temp_name(std::string_view file_name);

// The temp files directly in `dir` (a missing folder has none).
std::vector<TempFile> find_temp_files(const std::filesystem::path& dir);

// Removes the temp files in `dir` whose writer is gone (what a killed run left); those of a live
// writer stay. Returns what was removed.
std::vector<TempFile> reclaim_temp_files(const std::filesystem::path& dir);

// Bytes held by `files`.
std::uintmax_t total_bytes(const std::vector<TempFile>& files);

}  // namespace bscbot::core
