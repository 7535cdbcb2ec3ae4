#pragma once
// The manual's `ls -la .env data/trading-bot.sqlite` ("600 or 644"), as rules: a secret file
// gives nothing to group or others; nothing that holds trades or backups is writable by group
// or others; a folder on the way is not world-writable.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/checks/status.hpp"

namespace bscbot::core::audit {

struct ModeProblem {
  std::filesystem::path path;
  std::string mode;        // "0664"
  std::string problem;     // "group-writable"
  checks::Status severity = checks::Status::warn;
};

// "0644" for a permission set.
std::string mode_text(std::filesystem::perms p);

// A secret file (.env, the trading key file, a config archive) must be 0600 or stricter:
// readable by others is CRIT, by group WARN. Nullopt when fine or missing.
std::optional<ModeProblem> secret_file_problem(const std::filesystem::path& path);

// Data (database, WAL, backups, their folders) must not be writable by others (CRIT) or the
// group (WARN). Nullopt when fine or missing.
std::optional<ModeProblem> writable_problem(const std::filesystem::path& path);

// writable_problem() for `dir`, and for every file and folder below it (at most `limit`
// entries are looked at).
std::vector<ModeProblem> writable_problems_below(const std::filesystem::path& dir, std::size_t limit = 100000);

}  // namespace bscbot::core::audit
