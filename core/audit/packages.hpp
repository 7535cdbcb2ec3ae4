#pragma once
// The manual's pre-production check 9, `npm audit` ("0 high/critical vulnerabilities"), for a
// C++ program: the Debian packages whose libraries bscbotd loads (ldd, then dpkg -S) with an
// upgrade pending in the local package lists (apt-cache policy), security ones marked. No network:
// the lists are as fresh as the last `apt-get update`, and the evidence says how fresh.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/audit/command_runner.hpp"
#include "core/audit/finding.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::audit {

// The shared libraries `ldd` resolved (absolute paths; "not found" and the vDSO left out).
std::vector<std::string> parse_ldd(std::string_view text);

// The packages `dpkg -S` named ("libc6:amd64: /lib/…" -> "libc6"), each once, in order.
std::vector<std::string> parse_dpkg_search(std::string_view text);

struct PackagePolicy {
  std::string name;
  std::string installed;       // "(none)" when not installed
  std::string candidate;       // "(none)" when no list offers it
  bool candidate_security = false;  // the candidate comes from a -security suite
  bool upgradable() const { return installed != candidate && installed != "(none)" && candidate != "(none)"; }
};

// `apt-cache policy PKG...`.
std::vector<PackagePolicy> parse_apt_policy(std::string_view text);

// When the package lists were last updated: the newest mtime of `lists_dir` and its files.
std::optional<SystemTime> apt_lists_updated(const std::filesystem::path& lists_dir = "/var/lib/apt/lists");

// WARN naming each package of `binaries`' libraries with an upgrade pending (installed ->
// candidate, "security"), with `apt-get install --only-upgrade`; UNKNOWN when ldd, dpkg or
// apt-cache is missing or fails.
Finding audit_packages(const CommandRunner& run, const std::vector<std::filesystem::path>& binaries,
                       std::optional<SystemTime> lists_updated, SystemTime now);

}  // namespace bscbot::core::audit
