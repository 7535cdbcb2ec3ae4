#include "core/process/daemon_control.hpp"

#include <fmt/format.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <thread>

#include "core/error.hpp"
#include "core/net/http_client.hpp"
#include "core/process/pid_file.hpp"

namespace fs = std::filesystem;
namespace bp = boost::process;

namespace bscbot::core::process {

namespace {

constexpr const char* k_program = "bscbotd";

std::string last_lines(const fs::path& file, std::size_t n) {
  std::ifstream in(file);
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
    if (lines.size() > n) lines.pop_front();
  }
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : " | ") + l;
  return out;
}

}  // namespace

fs::path default_bscbotd_path(const config::Config& cfg) {
  if (cfg.is_set("BSCBOTD_PATH")) return cfg.path("BSCBOTD_PATH");
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const fs::path& candidate : {self.parent_path() / k_program, self.parent_path() / "../daemon" / k_program,
                                      self.parent_path() / "../sbin" / k_program}) {
      if (fs::exists(candidate)) return fs::weakly_canonical(candidate);
    }
  }
  return k_program;  // left to PATH
}

DaemonControl::DaemonControl(const config::Config& cfg, DaemonOptions options)
    : m_cfg(cfg), m_options(std::move(options)) {}

std::string DaemonControl::base_url() const {
  std::string host = m_cfg.text("HOST");
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return fmt::format("http://{}:{}", host, m_cfg.integer("PORT"));
}

HealthProbe DaemonControl::probe(std::chrono::milliseconds timeout) const {
  HealthProbe probe;
  try {
    const net::HttpResponse r = net::get(base_url() + "/api/health", timeout);
    probe.reachable = true;
    probe.http_status = r.status;
    probe.elapsed = r.elapsed;
    probe.body = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    if (probe.body.is_discarded()) probe.body = nullptr;
  } catch (const Error& e) {
    probe.error = e.what();
  }
  return probe;
}

DaemonStatus DaemonControl::status(std::chrono::milliseconds timeout) const {
  DaemonStatus s;
  s.url = base_url();
  const PidCheck check = check_pid_file(m_cfg.pid_file());
  if (check.state == PidState::ours) {
    s.pid = check.pid;
  } else if (check.state != PidState::none) {
    s.stale_pid_file = check.state != PidState::unproven;
    s.pid_file_note = check.detail;
  }
  s.health = probe(timeout);
  return s;
}

pid_t DaemonControl::start(std::chrono::milliseconds timeout) const {
  const DaemonStatus before = status(std::chrono::milliseconds(1000));
  if (before.running()) {
    throw Error(ErrorKind::conflict, fmt::format("bscbotd is already running (pid {}, {})", *before.pid, before.url));
  }
  if (before.health.reachable) {
    throw Error(ErrorKind::conflict,
                fmt::format("something already answers on {} (not a bscbotd from pid file {}); set PORT to a free port",
                            before.url, m_cfg.pid_file().string()));
  }
  const fs::path log_dir = m_cfg.log_dir();
  fs::create_directories(log_dir);
  const fs::path out = log_dir / "bscbotd.out";
  const fs::path exe = m_options.bscbotd;
  if (exe.has_parent_path() && !fs::exists(exe)) {
    throw Error(ErrorKind::not_found, fmt::format("daemon executable {} not found; set BSCBOTD_PATH", exe.string()));
  }
  std::vector<std::string> args;
  if (m_options.config_file) args = {"--config", m_options.config_file->string()};
  // The overrides are set in the child, between fork and exec: boost::process::environment's
  // key lookup memcmp()s past the end of shorter entries (AddressSanitizer catches it).
  const auto overrides = m_options.env_overrides;
  const fs::path working_dir = m_options.working_dir;

  const auto out_size_before = fs::exists(out) ? fs::file_size(out) : 0;
  bp::child child;
  try {
    const boost::filesystem::path found =
        exe.has_parent_path() ? boost::filesystem::path(exe.string()) : bp::search_path(exe.string());
    if (found.empty()) throw Error(ErrorKind::not_found, fmt::format("{} not found on PATH; set BSCBOTD_PATH", exe.string()));
    child = bp::child(found, bp::args(args),
                      bp::std_in < bp::null, (bp::std_out & bp::std_err) > bp::null,
                      bp::extend::on_exec_setup([out, &overrides, &working_dir](auto& exec) {
                        // GnuTLS comes in with Debian's libcurl (through librtmp and libldap)
                        // and sets itself up at load, about 1 MB resident for good; bscbotd never
                        // uses it (its libcurl handles allow http(s) and smtp(s) only, over
                        // OpenSSL: core/net/curl_handle.hpp). Not overwritten if the operator set it.
                        ::setenv("GNUTLS_NO_IMPLICIT_INIT", "1", 0);
                        for (const auto& [k, v] : overrides) ::setenv(k.c_str(), v.c_str(), 1);
                        exec.env = ::environ;  // setenv may have moved the array the executor holds
                        // Own session: the daemon outlives this command and ignores its terminal.
                        ::setsid();
                        const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
                        if (fd >= 0) {
                          ::dup2(fd, 1);
                          ::dup2(fd, 2);
                        }
                        if (!working_dir.empty() && ::chdir(working_dir.c_str()) != 0) {
                          const std::string why = "bscbotd: cannot enter " + working_dir.string() + ": " + std::strerror(errno) + "\n";
                          (void)!::write(2, why.data(), why.size());
                          ::_exit(74);
                        }
                      }));
  } catch (const bp::process_error& e) {
    throw Error(ErrorKind::unavailable, fmt::format("cannot start {}: {}", exe.string(), e.what()));
  }
  const pid_t pid = child.id();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!child.running()) {
      std::string tail = last_lines(out, 3);
      (void)out_size_before;
      throw Error(ErrorKind::unavailable, fmt::format("bscbotd exited with code {} during start-up: {}", child.exit_code(),
                                                      tail.empty() ? "no output" : tail));
    }
    const HealthProbe p = probe(std::chrono::milliseconds(500));
    if (p.reachable) {
      child.detach();
      return pid;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  child.detach();
  throw Error(ErrorKind::unavailable,
              fmt::format("bscbotd (pid {}) did not answer on {} within {} ms; see {}", pid, base_url(),
                          timeout.count(), out.string()));
}

DaemonControl::StopResult DaemonControl::stop(std::chrono::milliseconds timeout, bool force) const {
  const fs::path pid_path = m_cfg.pid_file();
  const PidCheck check = check_pid_file(pid_path);
  StopResult result;
  switch (check.state) {
    case PidState::none: return result;
    case PidState::unproven: throw Error(ErrorKind::conflict, check.detail + "; nothing was signalled");
    case PidState::gone:
    case PidState::other: {
      std::error_code ec;
      fs::remove(pid_path, ec);  // stale, or another process's: never signalled
      result.note = check.detail;
      return result;
    }
    case PidState::ours: break;
  }
  const auto identity = process_identity(*check.pid);
  if (!identity) return result;  // it exited between the check and now
  result.stopped = stop_process(*check.pid, *identity, timeout, force);
  std::error_code ec;
  // A killed daemon leaves its pid file behind.
  if (result.stopped && read_pid_file(pid_path) == check.pid) fs::remove(pid_path, ec);
  return result;
}

bool stop_process(pid_t pid, const ProcessIdentity& identity, std::chrono::milliseconds timeout, bool force) {
  // Waiting is for that same process (same executable and start time) to end, not for a pid to
  // disappear: pids are reused.
  const auto alive = [&] {
    ::waitpid(pid, nullptr, WNOHANG);  // reaps it when we started it ourselves (the drill, restore); ECHILD otherwise
    return process_identity(pid) == identity;
  };
  if (!alive()) return false;
  if (::kill(pid, SIGTERM) != 0 && errno != ESRCH) {
    throw Error(ErrorKind::conflict, fmt::format("cannot signal bscbotd (pid {}): {}", pid, std::strerror(errno)));
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!alive()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  if (!force) {
    throw Error(ErrorKind::conflict,
                fmt::format("bscbotd (pid {}) did not stop within {} ms; use --force to kill it", pid, timeout.count()));
  }
  if (alive()) ::kill(pid, SIGKILL);
  for (int i = 0; i < 200 && alive(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return true;
}

}  // namespace bscbot::core::process
