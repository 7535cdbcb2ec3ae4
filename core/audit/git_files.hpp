#pragma once
// The files git tracks in the deployment folder, for the manual's
// `git ls-files | xargs grep -l "JWT_SECRET\|DB_PASSWORD"`. Behind a function type so tests can
// list files without a repository; the command runs the real git.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace bscbot::core::audit {

struct TrackedFiles {
  enum class State { listed, not_a_repository, git_missing, failed };
  State state = State::failed;
  std::vector<std::filesystem::path> files;  // relative to the folder asked about
  std::string error;
};

using GitLister = std::function<TrackedFiles(const std::filesystem::path& dir)>;

// Runs `git -C dir ls-files -z`.
TrackedFiles git_tracked_files(const std::filesystem::path& dir);

}  // namespace bscbot::core::audit
