#include "core/audit/packages.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace bscbot::core::audit {

using checks::Status;

namespace {

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
  }
  return out;
}

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

// dpkg records a library under /lib or /usr/lib as it was packaged; merged /usr makes both
// names one file, so ask for both and for the file a soname link points to.
std::vector<std::string> dpkg_names(const std::string& path) {
  std::vector<std::string> out = {path};
  auto toggled = [](const std::string& p) { return p.rfind("/usr/", 0) == 0 ? p.substr(4) : "/usr" + p; };
  out.push_back(toggled(path));
  std::error_code ec;
  const fs::path real = fs::canonical(path, ec);
  if (!ec && real.string() != path) {
    out.push_back(real.string());
    out.push_back(toggled(real.string()));
  }
  return out;
}

}  // namespace

std::vector<std::string> parse_ldd(std::string_view text) {
  std::vector<std::string> out;
  for (const std::string& raw : lines_of(text)) {
    const std::string line = trim(raw);
    std::string path;
    if (const auto arrow = line.find("=> "); arrow != std::string::npos) path = line.substr(arrow + 3);
    else if (line.rfind("/", 0) == 0) path = line;  // the dynamic loader: "/lib64/ld-linux-x86-64.so.2 (0x…)"
    path = path.substr(0, path.find(" ("));
    if (path.rfind("/", 0) == 0 && std::find(out.begin(), out.end(), path) == out.end()) out.push_back(path);
  }
  return out;
}

std::vector<std::string> parse_dpkg_search(std::string_view text) {
  std::vector<std::string> out;
  for (const std::string& line : lines_of(text)) {
    if (line.rfind("diversion ", 0) == 0) continue;
    const auto sep = line.find(": /");
    if (sep == std::string::npos) continue;
    // "libfoo:amd64, libfoo:i386: /path" when several architectures ship the file.
    std::stringstream names(line.substr(0, sep));
    std::string name;
    while (std::getline(names, name, ',')) {
      name = trim(name);
      name = name.substr(0, name.find(':'));
      if (!name.empty() && std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    }
  }
  return out;
}

std::vector<PackagePolicy> parse_apt_policy(std::string_view text) {
  std::vector<PackagePolicy> out;
  bool in_candidate = false;  // reading the origins of the candidate's version-table entry
  for (const std::string& line : lines_of(text)) {
    if (line.empty()) continue;
    if (line[0] != ' ' && line.back() == ':') {
      out.push_back(PackagePolicy{line.substr(0, line.size() - 1), "(none)", "(none)", false});
      in_candidate = false;
      continue;
    }
    if (out.empty()) continue;
    PackagePolicy& p = out.back();
    const std::string t = trim(line);
    if (t.rfind("Installed:", 0) == 0) p.installed = trim(t.substr(10));
    else if (t.rfind("Candidate:", 0) == 0) p.candidate = trim(t.substr(10));
    else if (t == "Version table:") in_candidate = false;
    else {
      const std::size_t indent = line.find_first_not_of(' ');
      if (indent <= 5) {
        // A version line: " *** 2.36-9+deb12u14 500" or "     2.36-9+deb12u7 500".
        std::string version = t.rfind("***", 0) == 0 ? trim(t.substr(3)) : t;
        version = version.substr(0, version.find(' '));
        in_candidate = version == p.candidate;
      } else if (in_candidate && t.find("-security") != std::string::npos) {
        // An origin: "500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages".
        p.candidate_security = true;
      }
    }
  }
  return out;
}

std::optional<SystemTime> apt_lists_updated(const fs::path& lists_dir) {
  std::error_code ec;
  if (!fs::is_directory(lists_dir, ec)) return std::nullopt;
  auto newest = fs::last_write_time(lists_dir, ec);
  for (auto it = fs::directory_iterator(lists_dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code e2;
    const auto t = it->last_write_time(e2);
    if (!e2 && t > newest) newest = t;
  }
  return std::chrono::time_point_cast<SystemTime::duration>(std::chrono::file_clock::to_sys(newest));
}

Finding audit_packages(const CommandRunner& run, const std::vector<fs::path>& binaries, std::optional<SystemTime> lists_updated,
                       SystemTime now) {
  Finding f{"package_upgrades", "Debian packages bscbot links with have no pending upgrades", Status::ok, "", ""};
  const std::string by_hand = "Check by hand: `apt list --upgradable` after `sudo apt-get update`";
  auto unknown = [&](const std::string& why) {
    f.severity = Status::unknown;
    f.evidence = why;
    f.fix = by_hand;
    return f;
  };
  std::vector<std::string> libraries, programs;
  for (const fs::path& binary : binaries) {
    const CommandOutput ldd = run({"ldd", binary.string()});
    if (!ldd.found) return unknown("ldd is not installed: cannot list the libraries of " + binary.string());
    if (ldd.exit_code != 0) continue;  // not there, or not a dynamic executable
    programs.push_back(binary.filename().string());
    for (auto& lib : parse_ldd(ldd.out)) {
      if (std::find(libraries.begin(), libraries.end(), lib) == libraries.end()) libraries.push_back(std::move(lib));
    }
  }
  if (libraries.empty()) {
    std::vector<std::string> asked;
    for (const auto& b : binaries) asked.push_back(b.string());
    return unknown(fmt::format("ldd found no shared library for {}", fmt::join(asked, ", ")));
  }
  std::vector<std::string> query = {"dpkg", "-S"};
  for (const auto& lib : libraries) {
    for (auto& name : dpkg_names(lib)) query.push_back(std::move(name));
  }
  const CommandOutput dpkg = run(query);  // exits 1 when some names are unknown to it: normal here
  if (!dpkg.found) return unknown("dpkg is not installed (not a Debian system): cannot tell which packages the libraries come from");
  const std::vector<std::string> packages = parse_dpkg_search(dpkg.out);
  if (packages.empty()) return unknown(fmt::format("none of the {} libraries belongs to a Debian package ({})", libraries.size(), dpkg.first_error_line()));
  std::vector<std::string> policy_argv = {"apt-cache", "policy"};
  policy_argv.insert(policy_argv.end(), packages.begin(), packages.end());
  const CommandOutput policy = run(policy_argv);
  if (!policy.found) return unknown("apt-cache is not installed: cannot compare installed and candidate versions");
  if (policy.exit_code != 0) return unknown("apt-cache policy failed: " + policy.first_error_line());

  std::vector<std::string> pending, names;
  for (const auto& p : parse_apt_policy(policy.out)) {
    if (!p.upgradable()) continue;
    pending.push_back(fmt::format("{} {} -> {}{}", p.name, p.installed, p.candidate, p.candidate_security ? " (security)" : ""));
    names.push_back(p.name);
  }
  std::string lists = "package lists' age unknown";
  if (lists_updated) {
    lists = "package lists updated " + format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(now - *lists_updated)) + " ago";
    if (now - *lists_updated > std::chrono::hours(24 * 7)) lists += " (older than 7 days: `sudo apt-get update` for current candidates)";
  }
  const std::string of = fmt::format("{} package(s) the libraries of {} come from", packages.size(), fmt::join(programs, " and "));
  if (pending.empty()) {
    f.evidence = fmt::format("{} ({}) are at their candidate versions; {}", of, fmt::join(packages, ", "), lists);
    return f;
  }
  f.severity = Status::warn;
  f.evidence = fmt::format("{} of {} have upgrades pending: {}; {}", pending.size(), of, fmt::join(pending, "; "), lists);
  f.fix = fmt::format("sudo apt-get install --only-upgrade {}, then `bscbot daemon restart` (a running bscbotd keeps the old "
                      "libraries until it restarts)",
                      fmt::join(names, " "));
  return f;
}

}  // namespace bscbot::core::audit
