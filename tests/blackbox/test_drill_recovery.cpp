// bscbot drill on real backups: a good one passes with every step timed; a corrupt one fails
// with a report that says where; production is never touched and nothing is left running.
// drill --full rehearses bscbot recover with the config archive too, on either backend.
#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <sys/stat.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "tests/support/deployment.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/postgres.hpp"
#include "tests/support/scratch.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bscbot;
using bscbot::test::Scratch;

namespace {

void seed(const fs::path& home, int trades) {
  REQUIRE(test::bscbot({"init", "-q"}, home).exit_code == 0);
  SQLite::Database db((home / "data/trading-bot.sqlite").string(), SQLite::OPEN_READWRITE);
  db.exec("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<" + std::to_string(trades) +
          ") INSERT INTO trades (wallet_address, token_in, token_out, amount_in, status, created_at, updated_at) "
          "SELECT '0x1111111111111111111111111111111111111111', 'a', 'b', CAST(i AS TEXT), 'completed', "
          "datetime('now', '-' || i || ' minutes'), datetime('now', '-' || i || ' minutes') FROM c");
}

// The drill's daemon (its pid is in the "start bscbotd" step) must be gone.
bool daemon_gone(const json& doc) {
  for (const auto& step : doc["steps"]) {
    if (step["name"] != "start bscbotd" || step["ok"] != true) continue;
    const std::string detail = step["detail"];
    const std::string pid = detail.substr(4, detail.find(' ', 4) - 4);
    // Gone, or a zombie waiting for a reaper (pid 1 of a container may never reap it).
    const std::string stat = test::read_text("/proc/" + pid + "/stat");
    return stat.empty() || stat.find("(bscbotd) Z") != std::string::npos || stat.find("(bscbotd)") == std::string::npos;
  }
  return true;
}

// A deployment on the suite's backend (PostgreSQL in blackbox_drill_pg) with 30 trades, a config
// archive and a database backup; `env` holds its production PORT.
void full_deployment(const fs::path& home, const std::map<std::string, std::string>& env) {
  REQUIRE(test::init(home, env).exit_code == 0);
  for (int i = 0; i < 30; ++i) test::insert_trade(home, test::utc_ago(300 + i), "completed");
  REQUIRE(test::bscbot({"-q", "backup", "config"}, home, env).exit_code == 0);
  REQUIRE(test::bscbot({"-q", "backup"}, home, env).exit_code == 0);
}

// Every byte production has: its files (configuration, database, backups, logs) by path, and on
// PostgreSQL the rows of its database, hashed by the server.
std::map<std::string, std::string> production_state(const fs::path& home) {
  std::map<std::string, std::string> state;
  for (auto it = fs::recursive_directory_iterator(home); it != fs::recursive_directory_iterator(); ++it) {
    const std::string rel = fs::relative(it->path(), home).string();
    if (rel.rfind("scratch", 0) == 0) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_symlink()) state[rel] = "-> " + fs::read_symlink(it->path()).string();
    else if (it->is_regular_file()) state[rel] = test::read_text(it->path());
  }
  if (test::testing_pg()) {
    state["pg:trades"] = test::sql(home, "SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM trades t");
    state["pg:migrations"] = test::sql(home, "SELECT string_agg(name, ',' ORDER BY id) FROM knex_migrations");
  }
  return state;
}

// The names of the report's steps, in order.
std::vector<std::string> step_names(const json& doc) {
  std::vector<std::string> names;
  for (const auto& step : doc["steps"]) names.push_back(step["name"]);
  return names;
}

json step(const json& doc, const std::string& name) {
  for (const auto& s : doc["steps"]) {
    if (s["name"] == name) return s;
  }
  return json();
}

// Scratch databases left on the test server by drills (PostgreSQL only).
std::string scratch_databases() {
  if (!test::testing_pg()) return "";
  auto& server = test::PgServer::shared();
  return server.psql(server.superuser_url(), "SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE 'bscbot_drill%'");
}

// A config archive holding `files` (name, content; mode 600), made with Python's tarfile; the
// contents travel as hex, past every layer of quoting.
void make_archive(const fs::path& dir, const std::string& name, const std::map<std::string, std::string>& files) {
  std::string script = "python3 -c \"import io,tarfile\nt=tarfile.open('" + name + "','w:gz')\n";
  for (const auto& [entry, content] : files) {
    std::string hex;
    for (unsigned char c : content) hex += fmt::format("{:02x}", c);
    script += "d=bytes.fromhex('" + hex + "'); i=tarfile.TarInfo('" + entry + "'); i.size=len(d); i.mode=0o600; t.addfile(i,io.BytesIO(d))\n";
  }
  script += "t.close()\"";
  const auto made = test::shell(script, dir);
  REQUIRE_MESSAGE(made.exit_code == 0, made.err);
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 0777;
}

}  // namespace

TEST_SUITE("drill") {

TEST_CASE("drill: a good backup is restored, served, checked and timed") {
  Scratch s("drill-pass");
  seed(s.path(), 500);
  REQUIRE(test::bscbot({"backup", "-q"}, s.path()).exit_code == 0);
  const std::string live_before = test::read_text(s / "data/trading-bot.sqlite");
  auto r = test::bscbot({"--json", "drill", "--scratch", (s / "scratch").string(), "--report", (s / "reports/drill.md").string()}, s.path());
  REQUIRE_MESSAGE(r.exit_code == 0, std::string(r.out + r.err));
  const auto doc = json::parse(r.out);
  CHECK(doc["ok"] == true);
  CHECK(doc["within_target"] == true);
  CHECK(doc["target_minutes"] == 30);
  CHECK(doc["recovery_ms"].get<long>() > 0);
  std::vector<std::string> names;
  for (const auto& step : doc["steps"]) {
    names.push_back(step["name"]);
    CHECK(step["ok"] == true);
    CHECK(step.contains("duration_ms"));
  }
  for (const char* expected : {"select backup", "verify and restore", "migrate", "start bscbotd", "health", "integrity", "row counts", "newest trade", "stop bscbotd", "clean up"}) {
    CHECK_MESSAGE(std::find(names.begin(), names.end(), expected) != names.end(), expected);
  }
  for (const auto& step : doc["steps"]) {
    if (step["name"] == "row counts") CHECK(step["detail"].get<std::string>().find("trades 500") != std::string::npos);
  }
  const std::string markdown = test::read_text(s / "reports/drill.md");
  CHECK(markdown.find("# Disaster Recovery Drill: PASSED") == 0);
  CHECK(markdown.find("within target") != std::string::npos);
  CHECK(markdown.find("| health | ok |") != std::string::npos);
  // Production untouched, scratch removed, no daemon left behind.
  CHECK(test::read_text(s / "data/trading-bot.sqlite") == live_before);
  CHECK(fs::is_empty(s / "scratch"));
  CHECK(daemon_gone(doc));
}

TEST_CASE("drill: a corrupt backup fails with a report, exit 1, and --keep keeps the evidence") {
  Scratch s("drill-fail");
  seed(s.path(), 200);
  REQUIRE(test::bscbot({"backup", "-q"}, s.path()).exit_code == 0);
  // Damage the middle of the newest backup: the file stays, its pages do not.
  fs::path backup;
  for (const auto& e : fs::recursive_directory_iterator(s / "backups")) {
    if (e.is_regular_file() && e.path().extension() == ".sqlite") backup = e.path();
  }
  REQUIRE(!backup.empty());
  {
    std::fstream f(backup, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(backup) / 2));
    const std::string junk(8192, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto r = test::bscbot({"drill", "--backup", backup.string(), "--scratch", (s / "scratch").string(), "--keep"}, s.path());
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("# Disaster Recovery Drill: FAILED") == 0);
  CHECK(r.out.find("| verify and restore | **FAILED**") != std::string::npos);
  CHECK(r.out.find("| start bscbotd | skipped") != std::string::npos);
  CHECK(r.out.find("not reached") != std::string::npos);
  CHECK(r.out.find("kept at") != std::string::npos);
  CHECK_FALSE(fs::is_empty(s / "scratch"));
  r = test::bscbot({"--json", "drill", "--backup", (s / "nope.sqlite").string(), "--scratch", (s / "scratch2").string()}, s.path());
  CHECK(r.exit_code == 1);
  CHECK(json::parse(r.out)["steps"][0]["detail"].get<std::string>().find("does not exist") != std::string::npos);
}

TEST_CASE("drill: no backups at all is a failed drill that says what to do") {
  Scratch s("drill-none");
  seed(s.path(), 1);
  const auto r = test::bscbot({"drill", "--scratch", (s / "scratch").string()}, s.path());
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("run `bscbot backup` first") != std::string::npos);
}

TEST_CASE("drill: the plain drill restores through recover's restore on the suite's backend, into a scratch database on PostgreSQL") {
  Scratch s("drill-backend");
  const std::map<std::string, std::string> env = {{"PORT", std::to_string(test::free_port())}};
  full_deployment(s.path(), env);
  const auto before = production_state(s.path());
  auto r = test::bscbot({"--json", "drill", "--scratch", (s / "scratch").string()}, s.path(), env);
  REQUIRE_MESSAGE(r.exit_code == 0, std::string(r.out + r.err));
  const auto doc = json::parse(r.out);
  CHECK(doc["full"] == false);
  CHECK(step_names(doc).front() == "select backup");
  CHECK(step(doc, "row counts")["detail"].get<std::string>().find("trades 30") != std::string::npos);
  CHECK(production_state(s.path()) == before);
  CHECK(fs::is_empty(s / "scratch"));
  CHECK(scratch_databases().empty());
}

TEST_CASE("drill: --full restores the config archive and the newest backup in a sandbox, serves, checks and times them") {
  Scratch s("drill-full");
  const std::string port = std::to_string(test::free_port());
  const std::map<std::string, std::string> env = {{"PORT", port}};
  full_deployment(s.path(), env);
  const auto before = production_state(s.path());
  Scratch out("drill-full-report");  // the report goes outside the deployment compared below
  auto r = test::bscbot({"--json", "drill", "--full", "--scratch", (s / "scratch").string(), "--report", (out / "drill.md").string()}, s.path(), env);
  REQUIRE_MESSAGE(r.exit_code == 0, std::string(r.out + r.err));
  const auto doc = json::parse(r.out);
  CHECK(doc["ok"] == true);
  CHECK(doc["full"] == true);
  CHECK(doc["config_archive"].get<std::string>().find("backups/config/config_") != std::string::npos);
  CHECK(doc["recovery_ms"].get<long>() > 0);
  CHECK(step_names(doc) == std::vector<std::string>{"config", "select backup", "verify and restore", "migrate", "start bscbotd", "health",
                                                    "integrity", "row counts", "newest trade", "stop bscbotd", "clean up"});
  for (const auto& st : doc["steps"]) {
    CHECK_MESSAGE(st["ok"] == true, st.dump());
    CHECK(st.contains("duration_ms"));
  }
  const std::string config = step(doc, "config")["detail"];
  CHECK(config.find(" file(s) written from " + doc["config_archive"].get<std::string>()) != std::string::npos);
  CHECK(config.find(".env checked and pointed at") != std::string::npos);
  CHECK(step(doc, "row counts")["detail"].get<std::string>().find("trades 30") != std::string::npos);
  // Its own loopback port, never production's.
  const std::string started = step(doc, "start bscbotd")["detail"];
  CHECK(started.find("http://127.0.0.1:") != std::string::npos);
  CHECK_FALSE(started.ends_with(":" + port));
  const std::string markdown = test::read_text(out / "drill.md");
  CHECK(markdown.find("# Disaster Recovery Drill: PASSED") == 0);
  CHECK(markdown.find("- **Config archive**: " + doc["config_archive"].get<std::string>()) != std::string::npos);
  CHECK(markdown.find("| config | ok |") != std::string::npos);
  CHECK(markdown.find("Recovery time") != std::string::npos);
  // Production byte for byte as it was; the sandbox, its daemon and its database gone.
  CHECK(production_state(s.path()) == before);
  CHECK(fs::is_empty(s / "scratch"));
  CHECK(daemon_gone(doc));
  CHECK(scratch_databases().empty());
}

TEST_CASE("drill: --full --keep keeps the sandbox, running on the archived configuration, not the current one") {
  Scratch s("drill-full-keep");
  const std::map<std::string, std::string> env = {{"PORT", std::to_string(test::free_port())}};
  full_deployment(s.path(), env);
  // Changed after the archive was taken: the sandbox must not see it.
  test::shell("echo LOG_LEVEL=debug >> .env", s.path());
  const std::string env_now = test::read_text(s / ".env");
  auto r = test::bscbot({"--json", "drill", "--full", "--keep", "--scratch", (s / "scratch").string()}, s.path(), env);
  REQUIRE_MESSAGE(r.exit_code == 0, std::string(r.out + r.err));
  const auto doc = json::parse(r.out);
  CHECK(doc["kept"] == true);
  const fs::path sandbox = doc["scratch"].get<std::string>();
  REQUIRE(fs::exists(sandbox / ".env"));
  const std::string restored = test::read_text(sandbox / ".env");
  CHECK(restored.find("JWT_SECRET=") != std::string::npos);
  CHECK(restored.find("LOG_LEVEL=debug") == std::string::npos);
  CHECK(restored.find("DB_PATH=" + (sandbox / "data/trading-bot.sqlite").string()) != std::string::npos);
  CHECK(restored.find("\nPORT=" + env.at("PORT") + "\n") == std::string::npos);
  CHECK(restored.find("\nPORT=") != std::string::npos);
  CHECK(mode_of(sandbox / ".env") == 0600);
  CHECK(fs::exists(sandbox / "bscbot.yaml"));
  // The kept sandbox is a deployment of its own: its commands reach its restored database.
  CHECK(test::sql(sandbox, "SELECT COUNT(*) FROM trades") == "30");
  CHECK(test::read_text(s / ".env") == env_now);
  if (test::testing_pg()) {
    // The kept scratch database, named after the sandbox: dropped here, as the operator would.
    std::string name = sandbox.filename().string();
    std::replace(name.begin(), name.end(), '-', '_');
    CHECK(scratch_databases() == name);
    auto& server = test::PgServer::shared();
    server.psql(server.superuser_url(), "DROP DATABASE \"" + name + "\"");
  }
}

TEST_CASE("drill: --full without a config archive says so in one line with what to run, and makes nothing") {
  Scratch s("drill-full-none");
  const std::map<std::string, std::string> env = {{"PORT", std::to_string(test::free_port())}};
  REQUIRE(test::init(s.path(), env).exit_code == 0);
  REQUIRE(test::bscbot({"-q", "backup"}, s.path(), env).exit_code == 0);
  auto r = test::bscbot({"drill", "--full", "--scratch", (s / "scratch").string()}, s.path(), env);
  CHECK(r.exit_code == 66);
  CHECK(r.err.find("bscbot backup config") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK_FALSE(fs::exists(s / "scratch"));
  r = test::bscbot({"drill", "--full", "--config-archive", (s / "nope.tar.gz").string(), "--scratch", (s / "scratch").string()}, s.path(), env);
  CHECK(r.exit_code == 66);
  CHECK(r.err.find("nope.tar.gz does not exist; take one with `bscbot backup config`") != std::string::npos);
  CHECK_FALSE(fs::exists(s / "scratch"));
  // A config archive is for the full drill only.
  CHECK(test::bscbot({"drill", "--config-archive", (s / "nope.tar.gz").string()}, s.path(), env).exit_code != 0);
}

TEST_CASE("drill: --full with a broken or missing .env in the archive fails the config step and leaves nothing behind") {
  Scratch s("drill-full-bad-env");
  const std::map<std::string, std::string> env = {{"PORT", std::to_string(test::free_port())}};
  full_deployment(s.path(), env);
  const auto before = production_state(s.path());
  make_archive(s.path(), "corrupt.tar.gz", {{".env", "JWT_SECRET=abc\nthis line is not a setting\n"}, {"bscbot.yaml", "log_level: info\n"}});
  make_archive(s.path(), "no-env.tar.gz", {{"bscbot.yaml", "log_level: info\n"}});
  for (const auto& [archive, why] : std::vector<std::pair<std::string, std::string>>{
           {"corrupt.tar.gz", ".env:2: 'this line is not a setting' is not KEY=value"}, {"no-env.tar.gz", "holds no .env"}}) {
    CAPTURE(archive);
    auto r = test::bscbot({"--json", "drill", "--full", "--config-archive", (s / archive).string(), "--scratch", (s / "scratch").string()}, s.path(), env);
    CHECK(r.exit_code == 1);
    const auto doc = json::parse(r.out);
    CHECK(doc["ok"] == false);
    const json config = doc["steps"][0];
    CHECK(config["name"] == "config");
    CHECK(config["ok"] == false);
    CHECK_MESSAGE(config["detail"].get<std::string>().find(why) != std::string::npos, config["detail"].get<std::string>());
    CHECK(config["detail"].get<std::string>().find((s / archive).string()) != std::string::npos);
    CHECK(step(doc, "start bscbotd")["skipped"] == true);
    CHECK(step(doc, "clean up")["ok"] == true);
    CHECK(fs::is_empty(s / "scratch"));
  }
  // Delete the two test archives, then production is as it was.
  fs::remove(s / "corrupt.tar.gz");
  fs::remove(s / "no-env.tar.gz");
  CHECK(production_state(s.path()) == before);
  CHECK(scratch_databases().empty());
}

}  // TEST_SUITE
