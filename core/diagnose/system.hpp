#pragma once
// What `lsof -i:10001`, `ps aux | grep node` and `lsof data/trading-bot.sqlite` told the
// manual's reader, from /proc: who listens on a port (/proc/net/tcp{,6} -> socket inode ->
// the process whose fd points at it) and who holds a lock on a file (/proc/locks), with their
// command lines. Parsing is separate from reading, so unit tests feed fixture text.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bscbot::core::diagnose {

struct Socket {
  std::string local_address;  // "127.0.0.1", "0.0.0.0", "::1", "::"
  int local_port = 0;
  int state = 0;              // 0x0A = LISTEN
  std::uint64_t inode = 0;
  unsigned uid = 0;
};

// The rows of /proc/net/tcp (IPv4) or /proc/net/tcp6 (`v6`).
std::vector<Socket> parse_proc_net_tcp(std::string_view text, bool v6);

struct FileLock {
  std::string kind;          // POSIX, FLOCK, OFDLCK
  std::string access;        // READ, WRITE
  pid_t pid = 0;             // -1 for open-file-description locks of older kernels
  unsigned major = 0, minor = 0;
  std::uint64_t inode = 0;
  std::uint64_t start = 0;
  std::optional<std::uint64_t> end;  // nullopt: to EOF
  bool waiting = false;      // a "->" line: blocked, waiting for the lock
};

// The rows of /proc/locks.
std::vector<FileLock> parse_proc_locks(std::string_view text);

struct ProcessInfo {
  pid_t pid = 0;
  std::string comm;          // /proc/<pid>/comm
  std::string cmdline;       // the program's file name and its arguments, on one line
  std::optional<unsigned> uid;
  // "4242 (python3 -m http.server 10001)".
  std::string describe() const;
};

// The process `pid` as /proc under `root` shows it; nullopt when it is gone.
std::optional<ProcessInfo> process_info(const std::filesystem::path& root, pid_t pid);

// The processes holding each socket inode of `inodes` open (scanning /proc/*/fd); sockets of
// processes we may not inspect (other users, without root) are absent from the answer.
std::map<std::uint64_t, std::vector<pid_t>> socket_owners(const std::filesystem::path& root, const std::vector<std::uint64_t>& inodes);

// The listening TCP sockets on `port` (IPv4 and IPv6) and who holds them.
struct Listener {
  Socket socket;
  std::vector<ProcessInfo> owners;  // empty when the owner cannot be seen
};
std::vector<Listener> listeners_on(const std::filesystem::path& root, int port);

struct FileId {
  unsigned major = 0, minor = 0;
  std::uint64_t inode = 0;
};
std::optional<FileId> file_id(const std::filesystem::path& file);

}  // namespace bscbot::core::diagnose
