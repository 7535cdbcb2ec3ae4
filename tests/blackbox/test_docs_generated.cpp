// Man pages and completions: generated from the command table, committed, rendered cleanly,
// and completing what an operator types.
#include <doctest/doctest.h>

#include <filesystem>

#include "tests/support/harness.hpp"
#include "tests/support/scratch.hpp"

namespace fs = std::filesystem;
using namespace bscbot;
using bscbot::test::Scratch;

namespace {

const fs::path k_source = BSCBOT_SOURCE_DIR;

std::string bash_complete(const std::string& line) {
  // Splits like readline would, then asks the generated function for its words.
  const std::string script = "source '" + (k_source / "completions/bscbot.bash").string() + "'\n" +
                             "COMP_LINE='" + line + "'\n"
                             "read -ra COMP_WORDS <<< \"$COMP_LINE\"\n"
                             "[[ \"$COMP_LINE\" == *' ' ]] && COMP_WORDS+=('')\n"
                             "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
                             "_bscbot\n"
                             "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
  return test::shell(script, fs::temp_directory_path()).out;
}

}  // namespace

TEST_SUITE("docs") {

TEST_CASE("docs: committed man pages and completions match the command table") {
  Scratch s("docs-fresh");
  const auto r = test::bscbot({"__generate-docs", s.path().string()}, s.path());
  REQUIRE(r.exit_code == 0);
  for (const auto& sub : {"man", "completions", "deploy"}) {
    for (const auto& entry : fs::directory_iterator(s / sub)) {
      if (!entry.is_regular_file()) continue;
      const fs::path committed = k_source / sub / entry.path().filename();
      CHECK_MESSAGE(fs::exists(committed), std::string(committed.string() + " is missing: run `cmake --build build --target update-docs`"));
      CHECK_MESSAGE(test::read_text(committed) == test::read_text(entry.path()),
                    std::string(committed.string() + " is stale: run `cmake --build build --target update-docs`"));
    }
  }
}

TEST_CASE("docs: every man page renders without warnings") {
  int pages = 0;
  for (const auto& entry : fs::directory_iterator(k_source / "man")) {
    const auto r = test::shell("man --warnings -l '" + entry.path().string() + "' 2>&1 >/dev/null", k_source);
    CHECK_MESSAGE(r.out.empty(), std::string(entry.path().filename().string() + ": " + r.out));
    ++pages;
  }
  CHECK(pages >= 6);
  for (const char* page : {"bscbot.1", "bscbotd.8", "bscbot.yaml.5", "bscbot-daemon.1", "bscbot-db.1"}) CHECK(fs::exists(k_source / "man" / page));
}

TEST_CASE("docs: every top-level command has a man page") {
  const auto help = test::bscbot({"--help"}, fs::temp_directory_path()).out;
  const auto start = help.find("Subcommands:");
  REQUIRE(start != std::string::npos);
  std::istringstream lines(help.substr(start));
  std::string line;
  std::getline(lines, line);
  int commands = 0;
  while (std::getline(lines, line)) {
    const auto first = line.find_first_not_of(' ');
    if (first == std::string::npos || first == 0) break;
    const std::string name = line.substr(first, line.find(' ', first) - first);
    CHECK_MESSAGE(fs::exists(k_source / "man" / ("bscbot-" + name + ".1")), name);
    ++commands;
  }
  CHECK(commands >= 5);
}

TEST_CASE("docs: bash completes subcommands, nested commands and flags") {
  CHECK(bash_complete("bscbot da") == "daemon\n");
  CHECK(bash_complete("bscbot db cl") == "cleanup\n");
  const auto daemon_st = bash_complete("bscbot --json daemon st");
  for (const char* word : {"start\n", "status\n", "stop\n"}) CHECK(daemon_st.find(word) != std::string::npos);
  CHECK(daemon_st.find("restart") == std::string::npos);
  CHECK(bash_complete("bscbot db cleanup --dr") == "--dry-run\n");
  CHECK(bash_complete("bscbot daemon stop --for") == "--force\n");
}

TEST_CASE("docs: fish completes subcommands and zsh loads the function") {
  const auto fish = test::shell("fish --no-config -c 'source " + (k_source / "completions/bscbot.fish").string() +
                                    "; complete -C \"bscbot da\"; complete -C \"bscbot db cle\"'",
                                fs::temp_directory_path());
  CHECK(fish.out.find("daemon") != std::string::npos);
  CHECK(fish.out.find("cleanup") != std::string::npos);
  const auto zsh = test::shell("zsh -f -c 'autoload -Uz compinit && compinit -u -D && fpath=(" + (k_source / "completions").string() +
                                   " $fpath) && autoload -Uz _bscbot && whence -w _bscbot'",
                               fs::temp_directory_path());
  CHECK_MESSAGE(zsh.out.find("_bscbot: function") != std::string::npos, std::string(zsh.out + zsh.err));
  CHECK(test::shell("zsh -n '" + (k_source / "completions/_bscbot").string() + "'", k_source).exit_code == 0);
}

}  // TEST_SUITE
