// Issue 12 rows 3, 4, 13 and 14: what the operator's commands trust on disk. A pid file never
// makes `daemon stop` or the drill signal a process that is not this deployment's bscbotd; the
// drill's scratch folder is its own; the trading key is read only from a file its user owns,
// reached without links; a playbook variable is a value, whatever it starts with.
#include <signal.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include "core/process/pid_file.hpp"
#include "tests/blackbox/security_fixture.hpp"

using namespace bscbot;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const fs::path k_playbooks = fs::path(BSCBOT_SOURCE_DIR) / "playbooks";
const std::string k_trading_key = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

bool alive(pid_t pid) { return ::kill(pid, 0) == 0 && core::process::process_identity(pid).has_value(); }

// A harmless long-running program that is also called bscbotd: a copy of sleep, started in the
// background. The name is all the old checks looked at.
pid_t start_decoy(const test::Scratch& s) {
  fs::create_directories(s / "decoy");
  fs::copy_file("/bin/sleep", s / "decoy" / "bscbotd", fs::copy_options::overwrite_existing);
  const auto r = test::shell("decoy/bscbotd 600 >/dev/null 2>&1 & echo $!", s.path());
  REQUIRE(r.exit_code == 0);
  const pid_t pid = static_cast<pid_t>(std::stol(r.out));
  REQUIRE(test::eventually([&] { return core::process::is_running_program(pid, "bscbotd"); }));
  return pid;
}

void stop_decoy(pid_t pid) {
  ::kill(pid, SIGKILL);
  test::eventually([&] { return !alive(pid); });
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// The drill's settings with BSCBOTD_PATH pointing at a wrapper of the real daemon that plays the
// attacker at the one moment that matters, so the test never races the drill: it freezes the
// drill (its parent) before the daemon starts, waits until the daemon has written its pid file,
// replaces that file with one naming `decoy` if the file lies under `writable` (a folder the
// attacker can write to; "@FILE" reads it from FILE when the drill starts), and lets the drill go
// on. Then it is the real daemon (exec).
std::map<std::string, std::string> drill_env(const test::Scratch& s, pid_t decoy, const std::string& writable) {
  const fs::path wrapper = s.write("bscbotd-wrapper", fmt::format(R"(#!/bin/bash
drill=$PPID
kill -STOP $drill
writable='{writable}'
case "$writable" in @*) writable=$(cat "${{writable#@}}");; esac
(
  for i in $(seq 1 3000); do
    p=$(head -1 "$PID_FILE" 2>/dev/null)
    if [ -n "$p" ] && [ "$p" != {decoy} ]; then
      case "$PID_FILE" in "$writable"*) printf '{decoy}
' > "$PID_FILE.x" && mv -f "$PID_FILE.x" "$PID_FILE";; esac
      break
    fi
    sleep 0.01
  done
  kill -CONT $drill
) >/dev/null 2>&1 &
exec {daemon} "$@"
)",
                                                                  fmt::arg("decoy", decoy), fmt::arg("writable", writable),
                                                                  fmt::arg("daemon", test::bscbotd_exe().string())));
  fs::permissions(wrapper, fs::perms::owner_all);
  return {{"PORT", std::to_string(test::free_port())}, {"BSCBOT_TEST_CLOCK", "1"}, {"BSCBOTD_PATH", wrapper.string()}};
}

// The pid of the daemon a drill report says it started ("pid N on URL").
pid_t drill_daemon_pid(const json& report) {
  for (const auto& step : report["steps"]) {
    if (step["name"] == "start bscbotd") return static_cast<pid_t>(std::stol(step["detail"].get<std::string>().substr(4)));
  }
  FAIL("the drill did not start its daemon");
  return -1;
}

void take_backup(const test::Scratch& s, const std::map<std::string, std::string>& env) {
  REQUIRE(test::bscbot({"init", "-q"}, s.path(), env).exit_code == 0);
  const auto b = test::bscbot({"-q", "backup"}, s.path(), env);
  REQUIRE_MESSAGE(b.exit_code == 0, b.err);
}

}  // namespace

TEST_SUITE("security") {

TEST_CASE("security: daemon stop signals only this deployment's bscbotd, whatever its pid file says") {
  test::Scratch a("sec-stop-a"), b("sec-stop-b");
  const std::map<std::string, std::string> env_a = {{"PORT", std::to_string(test::free_port())}};
  const std::map<std::string, std::string> env_b = {{"PORT", std::to_string(test::free_port())}};
  REQUIRE(test::bscbot({"init", "-q"}, a.path(), env_a).exit_code == 0);
  REQUIRE(test::bscbot({"init", "-q"}, b.path(), env_b).exit_code == 0);
  const auto started = test::bscbot({"daemon", "start"}, b.path(), env_b);
  REQUIRE_MESSAGE(started.exit_code == 0, started.err);
  const std::string b_pid_file = test::read_text(b / "data" / "bscbotd.pid");
  const pid_t b_pid = static_cast<pid_t>(std::stol(first_line(b_pid_file)));
  const pid_t decoy = start_decoy(a);

  // B's pid file copied into A (a restored folder, a copied deployment, a prank).
  a.write("data/bscbotd.pid", b_pid_file);
  auto r = test::bscbot({"daemon", "stop"}, a.path(), env_a);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("was not running") != std::string::npos);
  CHECK(r.out.find("another deployment") != std::string::npos);
  CHECK(alive(b_pid));
  CHECK_FALSE(fs::exists(a / "data" / "bscbotd.pid"));

  // A forged record: B's pid and identity, A's folders. B does not hold A's pid file.
  std::string forged = b_pid_file;
  const auto dd = forged.find("data_dir=");
  REQUIRE(dd != std::string::npos);
  forged = forged.substr(0, dd) + "data_dir=" + (a / "data").string() + "\n";
  a.write("data/bscbotd.pid", forged);
  r = test::bscbot({"--json", "daemon", "status"}, a.path(), env_a);
  CHECK(r.exit_code == 3);
  CHECK(json::parse(r.out)["pid_file_note"].get<std::string>().find("does not hold") != std::string::npos);
  CHECK(test::bscbot({"daemon", "stop"}, a.path(), env_a).exit_code == 0);
  CHECK(alive(b_pid));

  // The pid of a live process that is merely called bscbotd, in an identity-less pid file.
  a.write("data/bscbotd.pid", std::to_string(decoy) + "\n");
  r = test::bscbot({"daemon", "stop"}, a.path(), env_a);
  CHECK(r.exit_code == 75);
  CHECK(r.err.find("older bscbotd") != std::string::npos);
  CHECK(r.err.find("nothing was signalled") != std::string::npos);
  CHECK(alive(decoy));
  // And B's pid the same way: still not signalled.
  a.write("data/bscbotd.pid", std::to_string(b_pid) + "\n");
  CHECK(test::bscbot({"daemon", "stop"}, a.path(), env_a).exit_code == 75);
  CHECK(alive(b_pid));

  // B's own stop works.
  r = test::bscbot({"daemon", "stop"}, b.path(), env_b);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("bscbotd stopped") != std::string::npos);
  CHECK(test::eventually([&] { return !alive(b_pid); }));
  stop_decoy(decoy);
}

TEST_CASE("security: the drill's scratch folder is fresh, and a folder prepared at its old name is ignored") {
  test::Scratch s("sec-drill-folder");
  const pid_t decoy = start_decoy(s);
  // The old name was bscbot-drill-<pid>-<ms of the clock>: with `exec`, the drill's pid is the
  // shell's $$, and the clock is the test clock. The attacker prepares that folder for others to
  // write in; whatever daemon runs from it, they replace its pid file with the decoy's pid.
  const std::string now = "2026-12-15 10:00:00";
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(core::parse_sql_datetime(now).time_since_epoch()).count();
  const auto env = drill_env(s, decoy, "@" + (s / "predicted").string());
  take_backup(s, env);
  fs::create_directories(s / "tmp");
  const auto r = test::shell(fmt::format("D=$PWD/tmp/bscbot-drill-$$-{}; mkdir -p $D/data; chmod -R 777 $D; echo $D/ > predicted; "
                                         "exec {} --now '{}' --json drill --scratch {}",
                                         ms, test::bscbot_exe().string(), now, (s / "tmp").string()),
                             s.path(), env);
  REQUIRE_MESSAGE(!r.out.empty(), r.err);
  const json report = json::parse(r.out);
  CHECK(alive(decoy));
  CHECK_MESSAGE(r.exit_code == 0, r.out);
  CHECK(report["ok"] == true);
  const fs::path predicted = fs::path(first_line(test::read_text(s / "predicted"))).parent_path();
  const fs::path used = report["scratch"].get<std::string>();
  CHECK(used.filename() != predicted.filename());
  CHECK(used.filename().string().rfind("bscbot-drill-", 0) == 0);
  CHECK_FALSE(fs::exists(used));
  CHECK(fs::is_empty(predicted / "data"));  // nothing of the drill went into the prepared folder
  CHECK(test::eventually([&] { return !alive(drill_daemon_pid(report)); }));
  stop_decoy(decoy);
}

TEST_CASE("security: folders that look like killed drills are cleared only when they are ours, and never signal another process") {
  test::Scratch s("sec-drill-leftovers");
  const pid_t decoy = start_decoy(s);
  REQUIRE(test::bscbot({"init", "-q"}, s.path(), {{"PORT", std::to_string(test::free_port())}}).exit_code == 0);
  const std::map<std::string, std::string> env = {{"PORT", std::to_string(test::free_port())}};
  REQUIRE(test::bscbot({"-q", "backup"}, s.path(), env).exit_code == 0);
  fs::create_directories(s / "tmp");
  // A marker naming a dead drill (pid 1 never has this identity), and a pid file naming the decoy.
  const auto prepare = [&](const std::string& name, fs::perms mode) {
    const fs::path d = s / "tmp" / name;
    fs::create_directories(d / "data");
    s.write("tmp/" + name + "/.drill-in-progress", "pid=1\nexe=/nonexistent\nstart=1\nboot=x\n");
    s.write("tmp/" + name + "/data/bscbotd.pid", std::to_string(decoy) + "\n");
    fs::permissions(d, mode);
    return d;
  };
  const fs::path open_to_all = prepare("bscbot-drill-open", fs::perms(0777));  // anyone could have made it
  const fs::path ours = prepare("bscbot-drill-ours", fs::perms(0700));
  const auto r = test::bscbot({"--json", "drill", "--scratch", (s / "tmp").string()}, s.path(), env);
  REQUIRE_MESSAGE(!r.out.empty(), r.err);
  const json report = json::parse(r.out);
  CHECK(report["ok"] == true);
  CHECK(alive(decoy));                 // its forged pid file proved nothing: not signalled
  CHECK(fs::exists(open_to_all));      // not ours to judge: left alone
  CHECK_FALSE(fs::exists(ours));       // ours, its drill gone: removed
  REQUIRE(report["cleared"].size() == 1);
  CHECK(report["cleared"][0].get<std::string>().find("after stopping") == std::string::npos);
  stop_decoy(decoy);
}

TEST_CASE("security: the drill stops only the daemon it started, and fails when its pid file was replaced") {
  test::Scratch s("sec-drill-tamper");
  const pid_t decoy = start_decoy(s);
  // Someone who can write into the drill's own folder (root, or a bug) swaps its pid file.
  const auto env = drill_env(s, decoy, "/");
  take_backup(s, env);
  const auto r = test::bscbot({"--json", "drill", "--scratch", (s / "tmp").string()}, s.path(), env);
  REQUIRE_MESSAGE(!r.out.empty(), r.err);
  const json report = json::parse(r.out);
  CHECK(alive(decoy));
  CHECK(r.exit_code == 1);
  CHECK(report["ok"] == false);
  bool checked = false;
  for (const auto& step : report["steps"]) {
    if (step["name"] != "stop bscbotd") continue;
    checked = true;
    CHECK(step["ok"] == false);
    CHECK(step["detail"].get<std::string>().find("signalled nothing else") != std::string::npos);
  }
  CHECK(checked);
  CHECK(test::eventually([&] { return !alive(drill_daemon_pid(report)); }));
  CHECK_FALSE(fs::exists(report["scratch"].get<std::string>()));  // cleaned up once its daemon was gone
  stop_decoy(decoy);
}

TEST_CASE("security: bscbotd refuses a trading key behind a symbolic link or owned by another user") {
  test::Scratch s("sec-key-file");
  const fs::path real = s.write("keys/trading.key", k_trading_key + "\n");
  fs::permissions(real, fs::perms::owner_read | fs::perms::owner_write);
  fs::create_directory_symlink(s / "keys", s / "linked");
  fs::create_symlink(real, s / "key-link");
  auto env = [&](const fs::path& key) {
    return std::map<std::string, std::string>{{"CHAIN_ENABLED", "true"}, {"BSC_RPC_URL", "http://127.0.0.1:" + std::to_string(test::free_port()) + "/"},
                                              {"TRADING_KEY_FILE", key.string()}, {"PORT", std::to_string(test::free_port())}};
  };
  // Before, the daemon followed the link and started signing with whatever key it led to.
  auto r = test::run(test::bscbotd_exe(), {}, s.path(), env(s / "linked" / "trading.key"), std::chrono::seconds(20));
  CHECK(r.exit_code == 78);
  CHECK(r.err.find("its folder " + (s / "linked").string() + " is a symbolic link") != std::string::npos);
  r = test::run(test::bscbotd_exe(), {}, s.path(), env(s / "key-link"), std::chrono::seconds(20));
  CHECK(r.exit_code == 78);
  CHECK(r.err.find("is a symbolic link") != std::string::npos);
  // The real path is accepted.
  {
    test::Daemon d(s.path(), env(real));
    d.start();
    CHECK(json::parse(d.get("/api/health").body)["chain"]["wallet"] == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  }
  if (::geteuid() != 0) return;  // only root can give a file away
  REQUIRE(::chown(real.c_str(), 65534, 65534) == 0);
  r = test::run(test::bscbotd_exe(), {}, s.path(), env(real), std::chrono::seconds(20));
  CHECK(r.exit_code == 78);
  CHECK(r.err.find("is owned by user 65534") != std::string::npos);
  CHECK(r.err.find(k_trading_key) == std::string::npos);
}

TEST_CASE("security: a playbook variable starting with '-' is a value, not an option") {
  test::Scratch s("sec-playbook-var");
  const std::map<std::string, std::string> env = {{"PORT", std::to_string(test::free_port())}};
  REQUIRE(test::bscbot({"init", "-q"}, s.path(), env).exit_code == 0);
  test::Daemon d(s.path(), env);
  d.start();
  const fs::path elsewhere = s / "elsewhere";
  for (const std::string& description : {std::string("-1 h of RPC errors"), "--data-dir=" + elsewhere.string(), std::string("--help")}) {
    CAPTURE(description);
    const auto r = test::bscbot({"playbook", "run", "incident-s4", "--dir", k_playbooks.string(), "--var", "description=" + description},
                                s.path(), env);
    CHECK_MESSAGE(r.exit_code == 0, std::string(r.out + r.err));
    const auto list = test::bscbot({"--json", "incident", "list"}, s.path(), env);
    REQUIRE(list.exit_code == 0);
    bool found = false;
    const json incidents = json::parse(list.out)["incidents"];
    for (const auto& i : incidents) found = found || i["description"] == description;
    CHECK(found);
  }
  CHECK_FALSE(fs::exists(elsewhere));
  // The plan shows how the value is passed.
  const auto plan = test::bscbot({"--json", "playbook", "run", "incident-s4", "--dry-run", "--dir", k_playbooks.string(), "--var",
                                  "description=-x"},
                                 s.path(), env);
  REQUIRE(plan.exit_code == 0);
  CHECK(json::parse(plan.out)["steps"][1]["args"] == json::array({"incident", "new", "--severity", "S4", "--", "-x"}));
}

}  // TEST_SUITE
