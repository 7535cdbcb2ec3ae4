#pragma once
// The daemon's pid file, and the one rule that decides whether the process it names is this
// deployment's bscbotd, so that `daemon stop`, restore and the drill never signal anything else.
//
// A name proves nothing (any program can be called bscbotd, and another deployment's daemon is
// one), nor does a pid (pids are reused). The pid file therefore records the daemon's identity:
// its executable (/proc/PID/exe), its start time (/proc/PID/stat, with the boot id) and its
// deployment (working and data folder), and the daemon keeps the file open while it runs. The
// process named is ours only when it is alive with that same executable and start time and holds
// this very pid file open: a copied or forged pid file, a reused pid, or the daemon of another
// deployment fails one of these.
//
// The file stays readable as before: the pid on the first line, then "key=value" lines.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace bscbot::core::process {

struct ProcessIdentity {
  std::filesystem::path exe;      // /proc/PID/exe, without a " (deleted)" suffix; empty when unreadable
  std::uint64_t start_ticks = 0;  // clock ticks after boot, /proc/PID/stat field 22
  std::string boot_id;            // /proc/sys/kernel/random/boot_id
  bool operator==(const ProcessIdentity&) const = default;
};

// The identity of `pid` when it is alive (not a zombie); nullopt when it is gone.
std::optional<ProcessIdentity> process_identity(pid_t pid);

struct PidRecord {
  pid_t pid = 0;
  std::optional<ProcessIdentity> identity;  // absent in the pid files of older versions
  std::filesystem::path cwd;                // the daemon's working folder (its deployment)
  std::filesystem::path data_dir;           // DATA_DIR, absolute
};

// The pid on the first line of `path`, or nullopt when the file is missing or unreadable.
std::optional<pid_t> read_pid_file(const std::filesystem::path& path);

// The whole record; nullopt when the file is missing or its first line is not a pid.
std::optional<PidRecord> read_pid_record(const std::filesystem::path& path);

enum class PidState {
  none,      // no pid file
  ours,      // the live bscbotd of this deployment
  gone,      // the process it names has exited
  other,     // the pid belongs to another process now, or to another deployment's daemon
  unproven,  // an old-style pid file (no identity) naming a live process called bscbotd
};

struct PidCheck {
  PidState state = PidState::none;
  std::optional<pid_t> pid;  // the pid the file names
  std::string detail;        // why, for messages ("pid 812 is /usr/bin/sleep, started ...")
};

// Applies the rule above to the pid file at `path`.
PidCheck check_pid_file(const std::filesystem::path& path);

// The running daemon's pid file: written atomically with this process's record and kept open
// (the proof check_pid_file looks for) until destruction, which removes it if it is still ours.
class HeldPidFile {
public:
  HeldPidFile(std::filesystem::path path, const std::filesystem::path& data_dir);
  ~HeldPidFile();
  HeldPidFile(const HeldPidFile&) = delete;
  HeldPidFile& operator=(const HeldPidFile&) = delete;

private:
  std::filesystem::path m_path;
  int m_fd = -1;
};

// True when `pid` is a live (not zombie) process whose executable is named `name`. A name is
// good enough to read a process's CPU time, never to signal it: use check_pid_file for that.
bool is_running_program(pid_t pid, const char* name);

}  // namespace bscbot::core::process
