// The pid-file rule: a process is this deployment's daemon only when it is alive with the
// recorded executable and start time and holds this very pid file open.
#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>

#include "core/process/pid_file.hpp"
#include "core/util/files.hpp"
#include "tests/support/scratch.hpp"

using namespace bscbot::core;
using namespace bscbot::core::process;
namespace fs = std::filesystem;

namespace {

std::string text_of(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("pid file: the holder is ours; a copy elsewhere is not") {
  bscbot::test::Scratch s("pid-held");
  const fs::path path = s / "data" / "bscbotd.pid";
  {
    HeldPidFile held(path, s / "data");
    const auto record = read_pid_record(path);
    REQUIRE(record);
    CHECK(record->pid == ::getpid());
    REQUIRE(record->identity);
    CHECK(record->identity == process_identity(::getpid()));
    CHECK(record->data_dir == fs::absolute(s / "data"));
    CHECK(read_pid_file(path) == ::getpid());  // the first line is still just the pid
    const PidCheck mine = check_pid_file(path);
    CHECK(mine.state == PidState::ours);
    CHECK(mine.pid == ::getpid());

    // The same record in another deployment's folder: this process does not hold that file.
    const fs::path copy = s / "other" / "bscbotd.pid";
    fs::create_directories(copy.parent_path());
    fs::copy_file(path, copy);
    const PidCheck other = check_pid_file(copy);
    CHECK(other.state == PidState::other);
    CHECK(other.detail.find("does not hold") != std::string::npos);
  }
  CHECK_FALSE(fs::exists(path));  // removed with its holder
}

TEST_CASE("pid file: a reused pid, a dead pid, an old-style file and garbage") {
  bscbot::test::Scratch s("pid-cases");
  const fs::path path = s / "bscbotd.pid";
  HeldPidFile held(path, s.path());
  const std::string good = text_of(path);

  // Same pid, another start time: the pid was reused by a later process.
  std::string reused = good;
  const auto at = reused.find("start_ticks=");
  reused.replace(at, reused.find('\n', at) - at, "start_ticks=1");
  atomic_write_file(path, reused);
  PidCheck c = check_pid_file(path);
  CHECK(c.state == PidState::other);
  CHECK(c.detail.find("reused") != std::string::npos);

  atomic_write_file(path, "999999999\n");
  CHECK(check_pid_file(path).state == PidState::gone);

  // Old style, naming a live process that is not called bscbotd (this test binary).
  atomic_write_file(path, std::to_string(::getpid()) + "\n");
  c = check_pid_file(path);
  CHECK(c.state == PidState::other);
  CHECK(c.detail.find("not bscbotd") != std::string::npos);

  atomic_write_file(path, "not a pid\n");
  CHECK(check_pid_file(path).state == PidState::other);
  CHECK(check_pid_file(s / "missing.pid").state == PidState::none);
}

TEST_CASE("pid file: a holder leaves a replacement alone") {
  bscbot::test::Scratch s("pid-replaced");
  const fs::path path = s / "bscbotd.pid";
  {
    HeldPidFile held(path, s.path());
    atomic_write_file(path, std::to_string(::getpid()) + "\nreplaced=yes\n");  // same pid, another file
  }
  REQUIRE(fs::exists(path));
  CHECK(text_of(path).find("replaced=yes") != std::string::npos);
}
