#include <archive.h>
#include <doctest/doctest.h>

#include <fstream>

#include "core/logs/log_archive.hpp"
#include "core/logs/log_files.hpp"
#include "tests/support/scratch.hpp"

namespace fs = std::filesystem;
using namespace bscbot::core;
using bscbot::test::Scratch;

namespace {

void age_file(const fs::path& p, std::chrono::hours age) { fs::last_write_time(p, fs::file_time_type::clock::now() - age); }

// Sets a file's modification time to `when` on the system clock.
void set_mtime(const fs::path& p, SystemTime when) {
  fs::last_write_time(p, fs::file_time_type::clock::now() - (std::chrono::system_clock::now() - when));
}

}  // namespace

TEST_CASE("logs: tail reads the last lines and error lines are found across rotations") {
  Scratch s("logs-tail");
  std::string big;
  for (int i = 0; i < 100000; ++i) big += "2026-01-01 00:00:00.000 [info] line " + std::to_string(i) + "\n";
  s.write("logs/api-server.log", big + "2026-01-01 00:00:01.000 [error] Database locked\n2026-01-01 [info] last\n");
  s.write("logs/api-server.1.log", "[error] older Error: Failed to get database connection\n[info] fine\n");
  age_file(s / "logs/api-server.1.log", std::chrono::hours(1));
  const auto last = logs::tail_lines(s / "logs/api-server.log", 2);
  REQUIRE(last.size() == 2);
  CHECK(last[0].find("Database locked") != std::string::npos);
  CHECK(last[1].find("last") != std::string::npos);
  CHECK(logs::recent_errors(s / "logs", 10).size() == 1);
  const auto errors = logs::recent_errors(s / "logs", 200000);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].find("older") != std::string::npos);  // oldest first
}

TEST_CASE("logs: archive keeps recent logs, verifies the tar.gz, then deletes the old ones") {
  Scratch s("logs-archive");
  const FixedClock clock(parse_sql_datetime("2026-01-05 03:00:00"));
  s.write("logs/api-server.log", "today\n");
  s.write("logs/api-server.1.log", std::string(200000, 'a') + "\n");
  s.write("logs/api-server.2.log", "old\n");
  set_mtime(s / "logs/api-server.log", clock.now() - std::chrono::hours(1));
  set_mtime(s / "logs/api-server.1.log", clock.now() - std::chrono::hours(24 * 40));
  set_mtime(s / "logs/api-server.2.log", clock.now() - std::chrono::hours(24 * 60));
  const auto plan = logs::plan_archive(s / "logs", std::chrono::hours(24 * 30), clock);
  CHECK(plan.files.size() == 2);
  CHECK(plan.archive.filename() == "archive_202512.tar.gz");
  const auto result = logs::archive(plan);
  CHECK(result.written);
  CHECK(result.deleted.size() == 2);
  CHECK(fs::exists(s / "logs/api-server.log"));
  CHECK_FALSE(fs::exists(s / "logs/api-server.1.log"));
  CHECK(fs::exists(s / "logs/archive_202512.tar.gz"));
  CHECK(result.archive_bytes < 200000);
  // The archive holds both logs byte for byte (tar can list and extract it).
  CHECK(std::system(("tar -tzf " + (s / "logs/archive_202512.tar.gz").string() + " | grep -q api-server.1.log").c_str()) == 0);
  // A second archive of the same month gets a new name rather than overwriting.
  s.write("logs/api-server.3.log", "older still\n");
  set_mtime(s / "logs/api-server.3.log", clock.now() - std::chrono::hours(24 * 90));
  CHECK(logs::plan_archive(s / "logs", std::chrono::hours(24 * 30), clock).archive.filename() == "archive_202512-2.tar.gz");
}

TEST_CASE("logs: a failed archive deletes nothing") {
  Scratch s("logs-archive-fail");
  s.write("logs/api-server.1.log", "old\n");
  age_file(s / "logs/api-server.1.log", std::chrono::hours(24 * 40));
  auto plan = logs::plan_archive(s / "logs", std::chrono::hours(24 * 30), system_clock());
  plan.archive = s / "no-such-folder" / "archive.tar.gz";
  CHECK_THROWS(logs::archive(plan));
  CHECK(fs::exists(s / "logs/api-server.1.log"));
}
