#pragma once
// Black-box test helpers: run the real bscbot, start the real bscbotd on a free loopback port
// in a scratch folder, and talk HTTP to it.
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/net/http_client.hpp"

namespace bscbot::test {

// Paths of the programs under test, from the build.
std::filesystem::path bscbot_exe();
std::filesystem::path bscbotd_exe();

// A TCP port nobody listens on right now.
int free_port();

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs a program to completion in `cwd` with the environment plus `env`.
RunResult run(const std::filesystem::path& exe, const std::vector<std::string>& args, const std::filesystem::path& cwd,
              const std::map<std::string, std::string>& env = {},
              std::chrono::seconds timeout = std::chrono::seconds(120));

// Runs `bash -c script` (for the manual's shell lines).
RunResult shell(const std::string& script, const std::filesystem::path& cwd, const std::map<std::string, std::string>& env = {});

// bscbot with arguments.
RunResult bscbot(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                 const std::map<std::string, std::string>& env = {});

// The injected clock of the CLI: runs bscbot as if the time were `now` (UTC, "YYYY-MM-DD
// HH:MM:SS"). It passes the hidden `--now` together with BSCBOT_TEST_CLOCK=1, the only way the
// command accepts it, so a test can run on a chosen date (a 1st of a month, a Sunday, Feb 29)
// and never by the calendar it happens to run on.
RunResult bscbot_at(const std::string& now, const std::vector<std::string>& args, const std::filesystem::path& cwd,
                    std::map<std::string, std::string> env = {});

// Dates a file as if written at `t` ("YYYY-MM-DD HH:MM:SS" UTC), for mtime-based ages under the
// injected clock (the kernel stamps real time, which the command's clock does not see).
void set_mtime(const std::filesystem::path& path, const std::string& t);

// `t` moved by `seconds` (negative: earlier), in the same UTC text form.
std::string shift(const std::string& t, long long seconds);

// A bscbotd process for one test: started in `dir` on a free port, stopped (SIGTERM, then
// SIGKILL) when the object goes away.
class Daemon {
public:
  Daemon(std::filesystem::path dir, std::map<std::string, std::string> env = {});
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Starts and waits until /api/health answers; throws with the daemon's output otherwise.
  void start(std::chrono::milliseconds timeout = std::chrono::milliseconds(15000));
  // SIGTERM and wait; returns the exit code.
  int stop(std::chrono::milliseconds timeout = std::chrono::milliseconds(15000));
  bool running();

  int port() const { return m_port; }
  pid_t pid() const { return m_pid; }
  // SIGKILL, as a crash would (the pid file stays behind).
  void kill_now();
  std::string url(const std::string& path) const;
  core::net::HttpResponse get(const std::string& path) const;
  const std::map<std::string, std::string>& env() const { return m_env; }
  const std::filesystem::path& dir() const { return m_dir; }
  std::string output() const;  // what it printed on stdout/stderr

private:
  std::filesystem::path m_dir;
  std::map<std::string, std::string> m_env;
  int m_port;
  pid_t m_pid = -1;
  int m_exit = -1;
};

// Any other program running beside a test (an SMTP sink, prometheus, a port squatter, a
// process holding a database lock): output to `log`, SIGTERM then SIGKILL when it goes away.
class Background {
public:
  Background(const std::filesystem::path& exe, const std::vector<std::string>& args, const std::filesystem::path& cwd,
             const std::filesystem::path& log, const std::map<std::string, std::string>& env = {});
  ~Background();
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  pid_t pid() const { return m_pid; }
  std::string output() const;
  bool running();
  // Waits until its output contains `text`; false when it exits or `timeout` passes first.
  bool wait_for_output(const std::string& text, std::chrono::milliseconds timeout = std::chrono::milliseconds(15000));
  // SIGKILL, as a crash would; returns once it is gone.
  void kill_now();

private:
  pid_t m_pid = -1;
  std::filesystem::path m_log;
  bool m_done = false;
};

// Polls `condition` until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));

std::string read_text(const std::filesystem::path& path);

// Every thread's stack of the process whose pid `pid_file` holds (gdb -batch), for a failure
// message about a process that hangs; says why when there is none to show.
std::string thread_dump(const std::filesystem::path& pid_file);

}  // namespace bscbot::test
