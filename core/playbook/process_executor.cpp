#include <boost/process.hpp>
#include <thread>

#include "core/error.hpp"
#include "core/playbook/runner.hpp"

namespace bp = boost::process;

namespace bscbot::core::playbook {

ExecResult ProcessExecutor::execute(const std::vector<std::string>& args, std::chrono::seconds timeout) {
  std::vector<std::string> argv = m_leading;
  argv.insert(argv.end(), args.begin(), args.end());
  ExecResult result;
  bp::ipstream out;
  bp::child child;
  try {
    child = bp::child(m_program, bp::args(argv), (bp::std_out & bp::std_err) > out, bp::std_in < bp::null);
  } catch (const bp::process_error& e) {
    throw Error(ErrorKind::unavailable, "cannot run " + m_program + ": " + e.what());
  }
  // Read on a thread so a chatty step cannot fill the pipe and hang while we wait.
  std::thread reader([&] {
    std::string line;
    while (std::getline(out, line)) {
      result.output += line + "\n";
      if (result.output.size() > 256 * 1024) result.output.erase(0, result.output.size() - 128 * 1024);
    }
  });
  if (!child.wait_for(timeout)) {
    result.timed_out = true;
    child.terminate();
  }
  child.wait();
  reader.join();
  result.exit_code = result.timed_out ? 124 : child.exit_code();
  return result;
}

}  // namespace bscbot::core::playbook
