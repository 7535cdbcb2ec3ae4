// bscbot recover and backup config restore, as the manual's disaster recovery runs them: the
// configuration and the database put back from backups, bscbotd up again and healthy, every step
// timed; an archive that tries to write outside its places is refused untouched.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "tests/support/deployment.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/scratch.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bscbot;
using bscbot::test::Scratch;

namespace {

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 0777;
}

}  // namespace

TEST_SUITE("backup") {

TEST_CASE("backup: recover puts the config archive and the newest backup back, starts bscbotd and times each step") {
  Scratch s("bb-recover");
  const std::map<std::string, std::string> env = {{"PORT", std::to_string(test::free_port())}};
  REQUIRE(test::init(s.path(), env).exit_code == 0);
  for (int i = 0; i < 20; ++i) test::insert_trade(s.path(), test::utc_ago(120 + i), "completed");
  REQUIRE(test::bscbot({"-q", "backup", "config"}, s.path(), env).exit_code == 0);
  REQUIRE(test::bscbot({"-q", "backup"}, s.path(), env).exit_code == 0);
  REQUIRE(test::bscbot({"daemon", "start"}, s.path(), env).exit_code == 0);

  // The disaster: a hand-edited .env with the wrong mode, and trades that should not be there.
  const std::string env_before = test::read_text(s / ".env");
  test::shell("echo LOG_LEVEL=debug >> .env && chmod 644 .env", s.path());
  for (int i = 0; i < 4; ++i) test::insert_trade(s.path(), test::utc_ago(60 + i), "failed");

  // --dry-run: the plan, with the setting that changes named (never its value), nothing done.
  auto r = test::bscbot({"recover", "--latest-config", "--latest", "--dry-run"}, s.path(), env);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("changed " + (s / ".env").string() + " (LOG_LEVEL (removed))") != std::string::npos);
  CHECK(test::sql(s.path(), "SELECT COUNT(*) FROM trades") == "24");
  // Without --yes and without a terminal: refused.
  CHECK(test::bscbot({"recover", "--latest-config", "--latest"}, s.path(), env).exit_code == 64);

  r = test::bscbot({"--json", "recover", "--latest-config", "--latest", "--yes"}, s.path(), env);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json doc = json::parse(r.out);
  std::vector<std::string> steps;
  for (const auto& st : doc["steps"]) steps.push_back(st["step"]);
  CHECK(steps == std::vector<std::string>{"stop", "config", "database", "start"});
  CHECK(doc["trades"] == 20);
  CHECK(doc["within_target"] == true);
  CHECK(doc["total_ms"].get<long long>() >= 0);

  CHECK(test::read_text(s / ".env") == env_before);
  CHECK(mode_of(s / ".env") == 0600);
  bool kept = false;
  for (const auto& e : fs::directory_iterator(s.path())) {
    if (e.path().filename().string().rfind(".env.before-restore-", 0) == 0) {
      kept = true;
      CHECK(test::read_text(e.path()).find("LOG_LEVEL=debug") != std::string::npos);
    }
  }
  CHECK(kept);
  CHECK(test::sql(s.path(), "SELECT COUNT(*) FROM trades") == "20");
  const json status = json::parse(test::bscbot({"--json", "daemon", "status"}, s.path(), env).out);
  CHECK(status["running"] == true);
  CHECK(status["pid"] == doc["daemon_pid"]);
  test::bscbot({"daemon", "stop"}, s.path(), env);
}

TEST_CASE("backup: config restore refuses an archive with an entry outside its places and writes nothing") {
  Scratch s("bb-config-evil");
  REQUIRE(test::init(s.path()).exit_code == 0);
  const std::string env_before = test::read_text(s / ".env");
  const auto made = test::shell(
      "python3 -c \"import io,tarfile\n"
      "t=tarfile.open('evil.tar.gz','w:gz')\n"
      "for n in ['.env','../escaped']:\n"
      "    d=b'JWT_SECRET=owned\\\\n'; i=tarfile.TarInfo(n); i.size=len(d); t.addfile(i,io.BytesIO(d))\n"
      "t.close()\"",
      s.path());
  REQUIRE_MESSAGE(made.exit_code == 0, made.err);
  const auto r = test::bscbot({"backup", "config", "restore", "evil.tar.gz", "--yes"}, s.path());
  CHECK(r.exit_code == 65);
  CHECK(r.err.find("entry '../escaped' points outside") != std::string::npos);
  CHECK(r.err.find("nothing was changed") != std::string::npos);
  CHECK(test::read_text(s / ".env") == env_before);
  CHECK_FALSE(fs::exists(s.path().parent_path() / "escaped"));

  // A good archive round-trips: unchanged files are left alone.
  REQUIRE(test::bscbot({"-q", "backup", "config"}, s.path()).exit_code == 0);
  const auto same = test::bscbot({"--json", "backup", "config", "restore", "--latest", "--yes"}, s.path());
  REQUIRE_MESSAGE(same.exit_code == 0, same.err);
  CHECK(json::parse(same.out)["changes"] == 0);
}

}  // TEST_SUITE
