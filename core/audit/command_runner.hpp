#pragma once
// The system tools the audit reads (nft, iptables, ufw, ldd, dpkg, apt-cache), behind a function
// type so unit tests feed canned outputs; the command runs the real programs found on PATH.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace bscbot::core::audit {

struct CommandOutput {
  bool found = true;    // false: the program is not on PATH (nothing ran)
  int exit_code = -1;   // 124 when it ran past its time
  std::string out;      // stdout
  std::string err;      // stderr
  // The first line of stderr (or stdout), for evidence: "Operation not permitted (you must be root)".
  std::string first_error_line() const;
};

using CommandRunner = std::function<CommandOutput(const std::vector<std::string>& argv)>;

// Runs `argv` (argv[0] looked up on PATH) with stdin closed, for at most `timeout`.
CommandOutput run_command(const std::vector<std::string>& argv, std::chrono::seconds timeout = std::chrono::seconds(15));

// `argv` as one would type it: "nft -j list ruleset".
std::string command_line(const std::vector<std::string>& argv);

}  // namespace bscbot::core::audit
