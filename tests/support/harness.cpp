#include "tests/support/harness.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/util/clock.hpp"
#include "core/util/files.hpp"
#include "tests/support/deployment.hpp"

extern char** environ;

namespace fs = std::filesystem;

namespace bscbot::test {

fs::path bscbot_exe() { return BSCBOT_EXE; }
fs::path bscbotd_exe() { return BSCBOTD_EXE; }

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string thread_dump(const fs::path& pid_file) {
  std::string pid = read_text(pid_file);
  pid.erase(pid.find_first_not_of("0123456789"));
  if (pid.empty()) return "no pid in " + pid_file.string();
  const RunResult r = shell("command -v gdb >/dev/null || { echo 'gdb is not installed'; exit 0; }; "
                            "gdb -p " + pid + " -batch -ex 'thread apply all bt' 2>&1 | grep -E '^(Thread|#)'",
                            pid_file.parent_path());
  return r.out.empty() ? "gdb printed nothing for pid " + pid : r.out;
}

namespace {

std::vector<std::string> make_env(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  // Settings leaking in from the developer's shell would make tests depend on it.
  for (auto it = env.begin(); it != env.end();) {
    if (it->first == "PORT" || it->first == "BSCBOT_CONFIG" || it->first == "NODE_ENV" || it->first == "NO_COLOR") it = env.erase(it);
    else ++it;
  }
  for (const auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

// Spawns `exe` in `cwd` with stdout/stderr to files; returns the pid.
pid_t spawn(const fs::path& exe, const std::vector<std::string>& args, const fs::path& cwd,
            const std::map<std::string, std::string>& env, const fs::path& out, const fs::path& err) {
  std::vector<std::string> argv_s = {exe.string()};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  auto env_s = make_env(env);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + exe.string() + ": " + std::strerror(rc));
  return pid;
}

int wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (true) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (r < 0) return -1;
    if (std::chrono::steady_clock::now() > deadline) return -2;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

RunResult run(const fs::path& exe, const std::vector<std::string>& args, const fs::path& cwd,
              const std::map<std::string, std::string>& env, std::chrono::seconds timeout) {
  static std::atomic<int> counter{0};
  const fs::path base = fs::temp_directory_path() / ("bscbot-run-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  const fs::path out = base.string() + ".out", err = base.string() + ".err";
  const pid_t pid = spawn(exe, args, cwd, env, out, err);
  RunResult r;
  r.exit_code = wait_exit(pid, timeout);
  if (r.exit_code == -2) {
    ::kill(pid, SIGKILL);
    wait_exit(pid, std::chrono::milliseconds(5000));
  }
  r.out = read_text(out);
  r.err = read_text(err);
  fs::remove(out);
  fs::remove(err);
  return r;
}

RunResult shell(const std::string& script, const fs::path& cwd, const std::map<std::string, std::string>& env) {
  return run("bash", {"-c", script}, cwd, env);
}

RunResult bscbot(const std::vector<std::string>& args, const fs::path& cwd, const std::map<std::string, std::string>& env) {
  return run(bscbot_exe(), args, cwd, env);
}

RunResult bscbot_at(const std::string& now, const std::vector<std::string>& args, const fs::path& cwd,
                    std::map<std::string, std::string> env) {
  std::vector<std::string> all = {"--now", now};
  all.insert(all.end(), args.begin(), args.end());
  env["BSCBOT_TEST_CLOCK"] = "1";
  return run(bscbot_exe(), all, cwd, env);
}

void set_mtime(const fs::path& path, const std::string& t) { core::set_modified_time(path, core::parse_sql_datetime(t)); }

std::string shift(const std::string& t, long long seconds) {
  return core::to_sql_datetime(core::parse_sql_datetime(t) + std::chrono::seconds(seconds));
}

Daemon::Daemon(fs::path dir, std::map<std::string, std::string> env) : m_dir(std::move(dir)), m_env(std::move(env)), m_port(free_port()) {
  m_env["PORT"] = std::to_string(m_port);
  m_env.emplace("HOST", "127.0.0.1");
  // On PostgreSQL a deployment that was never given a database gets one, in its .env, so the
  // CLI in the same folder finds it too.
  if (!m_env.count("DATABASE_URL")) use_fresh_database(m_dir);
}

Daemon::~Daemon() {
  if (m_pid > 0 && m_exit < 0) {
    ::kill(m_pid, SIGTERM);
    if (wait_exit(m_pid, std::chrono::milliseconds(10000)) < 0) {
      ::kill(m_pid, SIGKILL);
      wait_exit(m_pid, std::chrono::milliseconds(5000));
    }
  }
}

void Daemon::start(std::chrono::milliseconds timeout) {
  fs::create_directories(m_dir);
  m_exit = -1;
  m_pid = spawn(bscbotd_exe(), {}, m_dir, m_env, m_dir / "bscbotd.test.out", m_dir / "bscbotd.test.out");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
      m_exit = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      throw std::runtime_error("bscbotd exited with " + std::to_string(m_exit) + ": " + output());
    }
    try {
      core::net::get(url("/api/health"), std::chrono::milliseconds(500));
      return;
    } catch (const std::exception&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  throw std::runtime_error("bscbotd did not answer in time: " + output());
}

int Daemon::stop(std::chrono::milliseconds timeout) {
  if (m_pid <= 0 || m_exit >= 0) return m_exit;
  ::kill(m_pid, SIGTERM);
  m_exit = wait_exit(m_pid, timeout);
  return m_exit;
}

bool Daemon::running() {
  if (m_pid <= 0 || m_exit >= 0) return false;
  int status = 0;
  if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
    m_exit = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

std::string Daemon::url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(m_port) + path; }

core::net::HttpResponse Daemon::get(const std::string& path) const { return core::net::get(url(path), std::chrono::milliseconds(10000)); }

std::string Daemon::output() const { return read_text(m_dir / "bscbotd.test.out"); }

void Daemon::kill_now() {
  if (m_pid <= 0 || m_exit >= 0) return;
  ::kill(m_pid, SIGKILL);
  m_exit = wait_exit(m_pid, std::chrono::milliseconds(10000));
}

Background::Background(const fs::path& exe, const std::vector<std::string>& args, const fs::path& cwd, const fs::path& log,
                       const std::map<std::string, std::string>& env)
    : m_log(log) {
  m_pid = spawn(exe, args, cwd, env, log, log);
}

Background::~Background() {
  if (m_pid <= 0 || m_done) return;
  ::kill(m_pid, SIGTERM);
  if (wait_exit(m_pid, std::chrono::milliseconds(5000)) < 0) {
    ::kill(m_pid, SIGKILL);
    wait_exit(m_pid, std::chrono::milliseconds(5000));
  }
}

std::string Background::output() const { return read_text(m_log); }

bool Background::running() {
  if (m_pid <= 0 || m_done) return false;
  int status = 0;
  if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
    m_done = true;
    return false;
  }
  return true;
}

bool Background::wait_for_output(const std::string& text, std::chrono::milliseconds timeout) {
  return eventually([&] { return output().find(text) != std::string::npos || !running(); }, timeout) &&
         output().find(text) != std::string::npos;
}

void Background::kill_now() {
  if (m_pid <= 0 || m_done) return;
  ::kill(m_pid, SIGKILL);
  wait_exit(m_pid, std::chrono::milliseconds(10000));
  m_done = true;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

}  // namespace bscbot::test

