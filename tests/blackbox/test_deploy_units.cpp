// The systemd units as installed: configured with real binary paths, they pass
// `systemd-analyze verify`, and they keep the hardening the deployment relies on.
#include <doctest/doctest.h>

#include <filesystem>
#include <regex>

#include <unistd.h>

#include "tests/support/harness.hpp"
#include "tests/support/scratch.hpp"

namespace fs = std::filesystem;
using namespace bscbot;
using bscbot::test::Scratch;

TEST_SUITE("deploy") {

TEST_CASE("deploy: systemd units verify with the installed paths") {
  Scratch s("deploy-units");
  const fs::path source = fs::path(BSCBOT_SOURCE_DIR) / "deploy" / "systemd";
  int units = 0;
  for (const auto& e : fs::directory_iterator(source)) {
    std::string text = test::read_text(e.path());
    text = std::regex_replace(text, std::regex("@CMAKE_INSTALL_FULL_SBINDIR@/bscbotd"), test::bscbotd_exe().string());
    text = std::regex_replace(text, std::regex("@CMAKE_INSTALL_FULL_BINDIR@/bscbot"), test::bscbot_exe().string());
    CHECK_MESSAGE(text.find('@' + std::string("CMAKE")) == std::string::npos, e.path().filename().string());
    s.write(e.path().filename().string(), text);
    ++units;
  }
  CHECK(units >= 5);
  if (test::shell("command -v systemd-analyze", s.path()).exit_code != 0) return;  // not on this machine
  for (const auto& e : fs::directory_iterator(s.path())) {
    const auto r = test::shell("systemd-analyze verify --man=no '" + e.path().filename().string() + "' 2>&1", s.path());
    CHECK_MESSAGE(r.out.empty(), std::string(e.path().filename().string() + ": " + r.out));
  }
}

TEST_CASE("deploy: the daemon unit is Type=notify with a watchdog and hardening") {
  const std::string unit = test::read_text(fs::path(BSCBOT_SOURCE_DIR) / "deploy/systemd/bscbotd.service");
  for (const char* line : {"Type=notify", "WatchdogSec=", "NoNewPrivileges=yes", "ProtectSystem=strict", "ReadWritePaths=/var/lib/bscbot",
                           "PrivateTmp=yes", "Restart=on-failure"}) {
    CHECK_MESSAGE(unit.find(line) != std::string::npos, line);
  }
}

// A stand-in for systemd's notify socket at `address` (a path, or "@name" in the abstract
// namespace): bscbotd started with NOTIFY_SOCKET and WATCHDOG_USEC set as systemd sets them,
// SIGTERM once it has pinged the watchdog; prints each message received and the exit code.
static test::RunResult run_under_fake_systemd(const Scratch& s, const std::string& address, const std::string& watchdog_pid) {
  return test::shell(
      "python3 - <<'EOF'\n"
      "import os, socket, subprocess, time\n"
      "addr = '" + address + "'\n"
      "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
      "s.bind('\\0' + addr[1:] if addr.startswith('@') else addr)\n"
      "s.settimeout(20)\n"
      "env = dict(os.environ, NOTIFY_SOCKET=addr, WATCHDOG_USEC='2000000', PORT=str(" + std::to_string(test::free_port()) + "))\n"
      "if '" + watchdog_pid + "': env['WATCHDOG_PID'] = '" + watchdog_pid + "'\n"
      "p = subprocess.Popen(['" + test::bscbotd_exe().string() + "'], env=env, cwd='" + s.path().string() + "', stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
      "msgs = []\n"
      "try:\n"
      "  while 'READY=1' not in msgs:\n"
      "    msgs.append(s.recv(4096).decode())\n"
      "  if not '" + watchdog_pid + "':\n"
      "    while 'WATCHDOG=1' not in msgs:\n"
      "      msgs.append(s.recv(4096).decode())\n"
      "  else:\n"
      "    time.sleep(3)  # more than one worker turn: a ping would have come by now\n"
      "finally:\n"
      "  p.terminate(); p.wait(20)\n"
      "s.settimeout(2)\n"
      "try:\n"
      "  while True: msgs.append(s.recv(4096).decode())\n"
      "except socket.timeout:\n"
      "  pass\n"
      "print('|'.join(msgs)); print('exit', p.returncode)\n"
      "EOF",
      s.path());
}

TEST_CASE("deploy: the daemon reports readiness, watchdog pings and stopping to systemd") {
  Scratch s("deploy-notify");
  for (const std::string& address : std::vector<std::string>{(s / "notify.sock").string(), "@bscbot-test-notify-" + std::to_string(::getpid())}) {
    CAPTURE(address);
    const auto r = run_under_fake_systemd(s, address, "");
    INFO(std::string(r.out + r.err));
    CHECK(r.out.find("READY=1") != std::string::npos);
    CHECK(r.out.find("WATCHDOG=1") != std::string::npos);
    CHECK(r.out.find("STOPPING=1") != std::string::npos);
    CHECK(r.out.find("exit 0") != std::string::npos);
  }
}

TEST_CASE("deploy: a watchdog meant for another process (WATCHDOG_PID) is not pinged") {
  // systemd sets WATCHDOG_PID to the service's main pid; a child that inherits it must stay quiet.
  Scratch s("deploy-notify-pid");
  const auto r = run_under_fake_systemd(s, (s / "notify.sock").string(), "1");
  INFO(std::string(r.out + r.err));
  CHECK(r.out.find("READY=1") != std::string::npos);
  CHECK(r.out.find("WATCHDOG=1") == std::string::npos);
  CHECK(r.out.find("exit 0") != std::string::npos);
}

}  // TEST_SUITE
