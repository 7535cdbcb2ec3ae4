#pragma once
// Filesystem edges shared by every command: atomic writes and free-space checks.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

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

// A temp name beside `path` that no other writer picks: "<name>.tmp-<pid>-<n>".
std::filesystem::path temp_path_beside(const std::filesystem::path& path);

}  // namespace bscbot::core
