// The systemd units as installed: configured with real binary paths, they pass
// `systemd-analyze verify`, and they keep the hardening the deployment relies on.
#include <doctest/doctest.h>

#include <filesystem>
#include <regex>

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

TEST_CASE("deploy: the daemon reports readiness to systemd") {
  // A stand-in for systemd's notify socket: bscbotd must send READY=1 once it serves.
  Scratch s("deploy-notify");
  const fs::path sock = s / "notify.sock";
  const auto r = test::shell(
      "python3 - <<'EOF'\n"
      "import os, socket, subprocess, sys\n"
      "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
      "s.bind('" + sock.string() + "')\n"
      "s.settimeout(20)\n"
      "env = dict(os.environ, NOTIFY_SOCKET='" + sock.string() + "', PORT=str(" + std::to_string(test::free_port()) + "))\n"
      "p = subprocess.Popen(['" + test::bscbotd_exe().string() + "'], env=env, cwd='" + s.path().string() + "', stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
      "msgs = []\n"
      "try:\n"
      "  while not any('READY=1' in m for m in msgs):\n"
      "    msgs.append(s.recv(4096).decode())\n"
      "finally:\n"
      "  p.terminate(); p.wait(20)\n"
      "print('|'.join(msgs)); print('exit', p.returncode)\n"
      "EOF",
      s.path());
  CHECK_MESSAGE(r.out.find("READY=1") != std::string::npos, std::string(r.out + r.err));
  CHECK(r.out.find("exit 0") != std::string::npos);
}

}  // TEST_SUITE
