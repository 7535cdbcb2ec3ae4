#include "core/audit/permissions.hpp"

#include <fmt/format.h>

namespace fs = std::filesystem;

namespace bscbot::core::audit {

namespace {

bool has(fs::perms p, fs::perms bit) { return (p & bit) != fs::perms::none; }

std::optional<fs::perms> perms_of(const fs::path& path) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return std::nullopt;
  return st.permissions();
}

}  // namespace

std::string mode_text(fs::perms p) { return fmt::format("{:04o}", static_cast<unsigned>(p) & 07777); }

std::optional<ModeProblem> secret_file_problem(const fs::path& path) {
  const auto p = perms_of(path);
  if (!p) return std::nullopt;
  if (has(*p, fs::perms::others_all)) {
    return ModeProblem{path, mode_text(*p), has(*p, fs::perms::others_write) ? "writable by others" : "readable by others",
                       checks::Status::crit};
  }
  if (has(*p, fs::perms::group_all)) {
    return ModeProblem{path, mode_text(*p), has(*p, fs::perms::group_write) ? "writable by the group" : "readable by the group",
                       checks::Status::warn};
  }
  return std::nullopt;
}

std::optional<ModeProblem> writable_problem(const fs::path& path) {
  const auto p = perms_of(path);
  if (!p) return std::nullopt;
  std::error_code ec;
  const bool dir = fs::is_directory(path, ec);
  if (has(*p, fs::perms::others_write)) {
    // /tmp-style folders (sticky bit) still let only owners replace files.
    const bool sticky = dir && has(*p, fs::perms::sticky_bit);
    return ModeProblem{path, mode_text(*p), sticky ? "world-writable (sticky)" : "writable by others",
                       sticky ? checks::Status::warn : checks::Status::crit};
  }
  if (has(*p, fs::perms::group_write)) return ModeProblem{path, mode_text(*p), "writable by the group", checks::Status::warn};
  return std::nullopt;
}

std::vector<ModeProblem> writable_problems_below(const fs::path& dir, std::size_t limit) {
  std::vector<ModeProblem> out;
  if (auto p = writable_problem(dir)) out.push_back(std::move(*p));
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  std::size_t seen = 0;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator() && seen < limit; it.increment(ec), ++seen) {
    if (it->is_symlink(ec)) continue;
    if (auto p = writable_problem(it->path())) out.push_back(std::move(*p));
  }
  return out;
}

}  // namespace bscbot::core::audit
