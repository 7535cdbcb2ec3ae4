#include "core/devnet/anvil.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/chain/rpc_client.hpp"
#include "core/chain/rpc_transport.hpp"
#include "core/error.hpp"

extern char** environ;

namespace fs = std::filesystem;

namespace bscbot::core::devnet {

namespace {

std::optional<fs::path> search_upwards(fs::path start) {
  std::error_code ec;
  for (fs::path dir = start; !dir.empty(); dir = dir.parent_path()) {
    const fs::path candidate = dir / "node_modules";
    if (fs::exists(candidate / "@uniswap" / "v2-core", ec)) return candidate;
    if (dir == dir.parent_path()) break;
  }
  return std::nullopt;
}

std::string log_tail(const fs::path& file) {
  std::ifstream in(file);
  std::string line, tail;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  for (std::size_t i = lines.size() > 5 ? lines.size() - 5 : 0; i < lines.size(); ++i) tail += (tail.empty() ? "" : " | ") + lines[i];
  return tail;
}

}  // namespace

fs::path find_node_modules(const std::optional<fs::path>& configured) {
  if (configured && !configured->empty()) {
    if (!fs::exists(*configured / "@uniswap" / "v2-core")) {
      throw Error(ErrorKind::not_found, fmt::format("NODE_MODULES_DIR {} has no @uniswap/v2-core; run `npm ci` in the source tree",
                                                    configured->string()));
    }
    return *configured;
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    if (auto found = search_upwards(exe.parent_path())) return *found;
  }
  if (auto found = search_upwards(fs::current_path())) return *found;
  throw Error(ErrorKind::not_found,
              "no node_modules with @uniswap/v2-core above the executable or the working directory; run `npm ci` in the "
              "source tree (scripts/install-deps does) or set NODE_MODULES_DIR");
}

fs::path find_anvil(const std::optional<fs::path>& configured, const std::optional<fs::path>& node_modules) {
  if (configured && !configured->empty()) {
    if (::access(configured->c_str(), X_OK) != 0) {
      throw Error(ErrorKind::not_found, fmt::format("ANVIL_PATH {} is not an executable", configured->string()));
    }
    return *configured;
  }
  if (node_modules) {
    // The platform package's binary directly: its pid is anvil's, not a node wrapper's.
    for (const char* rel : {"@foundry-rs/anvil-linux-amd64/bin/anvil", "@foundry-rs/anvil-linux-arm64/bin/anvil", ".bin/anvil"}) {
      if (::access((*node_modules / rel).c_str(), X_OK) == 0) return *node_modules / rel;
    }
  }
  if (const char* path = std::getenv("PATH")) {
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      if (!dir.empty() && ::access((fs::path(dir) / "anvil").c_str(), X_OK) == 0) return fs::path(dir) / "anvil";
    }
  }
  throw Error(ErrorKind::not_found, "anvil not found: run `npm ci` in the source tree (it installs @foundry-rs/anvil) or set ANVIL_PATH");
}

int free_local_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw Error(ErrorKind::io, "cannot open a socket to find a free port");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  if (!ok) throw Error(ErrorKind::io, "cannot find a free port on 127.0.0.1");
  return ntohs(addr.sin_port);
}

bool is_anvil(pid_t pid) {
  if (pid <= 0) return false;
  std::ifstream comm(fmt::format("/proc/{}/comm", pid));
  std::string name;
  std::getline(comm, name);
  return name == "anvil";
}

bool stop_anvil(pid_t pid, std::chrono::milliseconds grace) {
  if (!is_anvil(pid)) return false;
  ::kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (is_anvil(pid) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (is_anvil(pid)) ::kill(pid, SIGKILL);
  return true;
}

AnvilProcess::AnvilProcess(const fs::path& anvil, int port, std::uint64_t chain_id, const fs::path& log_file, Detach detach,
                           std::chrono::milliseconds timeout)
    : m_port(port == 0 ? free_local_port() : port) {
  fs::create_directories(log_file.parent_path().empty() ? fs::path(".") : log_file.parent_path());
  std::vector<std::string> args = {anvil.string(), "--host", "127.0.0.1", "--port", std::to_string(m_port), "--chain-id",
                                   std::to_string(chain_id), "--accounts", "10", "--balance", "10000"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  if (detach == Detach::yes) posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  const int rc = ::posix_spawn(&m_pid, argv[0], &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw Error(ErrorKind::unavailable, fmt::format("cannot start {}: {}", anvil.string(), std::strerror(rc)));

  chain::RpcOptions options;
  options.timeout = std::chrono::milliseconds(1000);
  options.retries = 0;
  chain::RpcClient rpc({url()}, options, chain::make_curl_transport());
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
      m_pid = -1;
      throw Error(ErrorKind::unavailable, fmt::format("anvil exited at start-up (port {}): {}", m_port, log_tail(log_file)));
    }
    try {
      rpc.call("eth_chainId");
      return;
    } catch (const Error&) {
    }
    if (std::chrono::steady_clock::now() > deadline) {
      stop();
      throw Error(ErrorKind::unavailable, fmt::format("anvil did not answer on port {} within {} ms: {}", m_port, timeout.count(),
                                                      log_tail(log_file)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
}

AnvilProcess::~AnvilProcess() {
  if (!m_released) stop();
}

std::string AnvilProcess::url() const { return fmt::format("http://127.0.0.1:{}/", m_port); }

void AnvilProcess::stop() {
  if (m_pid <= 0) return;
  ::kill(m_pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(5000);
  int status = 0;
  while (::waitpid(m_pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(m_pid, SIGKILL);
      ::waitpid(m_pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  m_pid = -1;
}

}  // namespace bscbot::core::devnet
