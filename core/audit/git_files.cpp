#include "core/audit/git_files.hpp"

#include <boost/process.hpp>
#include <iterator>

namespace bp = boost::process;

namespace bscbot::core::audit {

TrackedFiles git_tracked_files(const std::filesystem::path& dir) {
  TrackedFiles result;
  const boost::filesystem::path git = bp::search_path("git");
  if (git.empty()) {
    result.state = TrackedFiles::State::git_missing;
    result.error = "git is not installed";
    return result;
  }
  try {
    bp::ipstream out;
    bp::child child(git, "-C", dir.string(), "ls-files", "-z", bp::std_out > out, bp::std_err > bp::null, bp::std_in < bp::null);
    const std::string listing((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
    child.wait();
    if (child.exit_code() != 0) {
      // 128: "not a git repository" (or a broken one, which is no work tree either).
      result.state = TrackedFiles::State::not_a_repository;
      return result;
    }
    std::size_t start = 0;
    while (start < listing.size()) {
      std::size_t end = listing.find('\0', start);
      if (end == std::string::npos) end = listing.size();
      if (end > start) result.files.emplace_back(listing.substr(start, end - start));
      start = end + 1;
    }
    result.state = TrackedFiles::State::listed;
  } catch (const std::exception& e) {
    result.state = TrackedFiles::State::failed;
    result.error = e.what();
  }
  return result;
}

}  // namespace bscbot::core::audit
