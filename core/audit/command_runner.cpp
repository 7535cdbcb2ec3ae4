#include "core/audit/command_runner.hpp"

#include <boost/process.hpp>
#include <iterator>
#include <thread>

namespace bp = boost::process;

namespace bscbot::core::audit {

std::string CommandOutput::first_error_line() const {
  const std::string& text = err.find_first_not_of(" \t\r\n") != std::string::npos ? err : out;
  const auto start = text.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return exit_code == 124 ? "timed out" : "exit code " + std::to_string(exit_code);
  const auto end = text.find('\n', start);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string command_line(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& a : argv) line += (line.empty() ? "" : " ") + a;
  return line;
}

CommandOutput run_command(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
  CommandOutput result;
  const boost::filesystem::path exe = argv.empty() ? boost::filesystem::path() : bp::search_path(argv.front());
  if (exe.empty()) {
    result.found = false;
    result.err = (argv.empty() ? std::string("(nothing)") : argv.front()) + " is not installed (not on PATH)";
    return result;
  }
  bp::ipstream out, err;
  bp::child child;
  try {
    child = bp::child(exe, bp::args(std::vector<std::string>(argv.begin() + 1, argv.end())), bp::std_out > out, bp::std_err > err,
                      bp::std_in < bp::null);
  } catch (const std::exception& e) {
    result.err = "cannot run " + argv.front() + ": " + e.what();
    return result;
  }
  // Both pipes are drained on threads, so a chatty tool cannot fill one and hang.
  std::thread read_out([&] { result.out.assign(std::istreambuf_iterator<char>(out), std::istreambuf_iterator<char>()); });
  std::thread read_err([&] { result.err.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>()); });
  std::error_code ec;
  const bool done = child.wait_for(timeout, ec);
  if (!done) child.terminate(ec);
  child.wait(ec);
  read_out.join();
  read_err.join();
  result.exit_code = done ? child.exit_code() : 124;
  return result;
}

}  // namespace bscbot::core::audit
