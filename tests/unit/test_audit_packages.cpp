// The packages bscbotd links with: ldd, dpkg -S and apt-cache policy as Debian 12 prints them,
// and the finding built from them with scripted tools.
#include <doctest/doctest.h>

#include <map>

#include "core/audit/packages.hpp"
#include "tests/support/scratch.hpp"

using namespace bscbot::core;
using namespace bscbot::core::audit;
using checks::Status;

namespace {

const char* const k_ldd = "\tlinux-vdso.so.1 (0x00007ffd4a5f2000)\n"
                          "\tlibcurl.so.4 => /lib/x86_64-linux-gnu/libcurl.so.4 (0x00007efc0fb4f000)\n"
                          "\tlibssl.so.3 => /lib/x86_64-linux-gnu/libssl.so.3 (0x00007efc0f800000)\n"
                          "\tlibsecp256k1.so.1 => not found\n"
                          "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007efc0f94e000)\n"
                          "\t/lib64/ld-linux-x86-64.so.2 (0x00007efc0fc58000)\n";

// Recorded under /usr/lib (libcurl4, libssl3) or /lib (libc6), as the packages ship them.
const char* const k_dpkg = "libcurl4:amd64: /usr/lib/x86_64-linux-gnu/libcurl.so.4\n"
                           "libssl3:amd64: /usr/lib/x86_64-linux-gnu/libssl.so.3\n"
                           "libc6:amd64: /lib/x86_64-linux-gnu/libc.so.6\n"
                           "libc6:amd64: /lib64/ld-linux-x86-64.so.2\n";

const char* const k_policy = R"(libcurl4:
  Installed: 7.88.1-10+deb12u15
  Candidate: 7.88.1-10+deb12u15
  Version table:
 *** 7.88.1-10+deb12u15 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
        100 /var/lib/dpkg/status
     7.88.1-10+deb12u5 500
        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
libssl3:
  Installed: 3.0.19-1~deb12u2
  Candidate: 3.0.22-1~deb12u2
  Version table:
     3.0.22-1~deb12u2 500
        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
     3.0.20-1~deb12u2 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
 *** 3.0.19-1~deb12u2 100
        100 /var/lib/dpkg/status
libc6:
  Installed: 2.36-9+deb12u10
  Candidate: 2.36-9+deb12u14
  Version table:
     2.36-9+deb12u14 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
 *** 2.36-9+deb12u10 100
        100 /var/lib/dpkg/status
)";

struct FakeTools {
  std::map<std::string, CommandOutput> answers;  // by argv[0]
  std::vector<std::vector<std::string>> asked;
  CommandRunner runner() {
    return [this](const std::vector<std::string>& argv) {
      asked.push_back(argv);
      const auto it = answers.find(argv.front());
      if (it != answers.end()) return it->second;
      return CommandOutput{false, -1, "", argv.front() + " is not installed (not on PATH)"};
    };
  }
};

const SystemTime k_now = parse_sql_datetime("2026-11-25 12:00:00");

}  // namespace

TEST_CASE("packages: ldd's resolved libraries, without the vDSO and the missing ones") {
  const auto libs = parse_ldd(k_ldd);
  REQUIRE(libs.size() == 4);
  CHECK(libs[0] == "/lib/x86_64-linux-gnu/libcurl.so.4");
  CHECK(libs[3] == "/lib64/ld-linux-x86-64.so.2");
  CHECK(parse_ldd("\tnot a dynamic executable\n").empty());
}

TEST_CASE("packages: dpkg -S names each package once, multi-arch lines too") {
  CHECK(parse_dpkg_search(k_dpkg) == std::vector<std::string>{"libcurl4", "libssl3", "libc6"});
  CHECK(parse_dpkg_search("diversion by dash from: /bin/sh\nlibfoo1:amd64, libfoo1:i386: /usr/share/doc/libfoo1\n") ==
        std::vector<std::string>{"libfoo1"});
}

TEST_CASE("packages: apt-cache policy's installed and candidate, and whether the candidate is a security update") {
  const auto p = parse_apt_policy(k_policy);
  REQUIRE(p.size() == 3);
  CHECK(p[0].name == "libcurl4");
  CHECK(!p[0].upgradable());
  CHECK(!p[0].candidate_security);  // an older version is in -security; the candidate is not
  CHECK(p[1].installed == "3.0.19-1~deb12u2");
  CHECK(p[1].candidate == "3.0.22-1~deb12u2");
  CHECK(p[1].upgradable());
  CHECK(p[1].candidate_security);
  CHECK(p[2].upgradable());
  CHECK(!p[2].candidate_security);
  const auto none = parse_apt_policy("libgone1:\n  Installed: 1.0-1\n  Candidate: (none)\n  Version table:\n *** 1.0-1 100\n        100 /var/lib/dpkg/status\n");
  REQUIRE(none.size() == 1);
  CHECK(!none[0].upgradable());
}

TEST_CASE("packages: pending upgrades warn with the upgrade command; the lists' age is in the evidence") {
  FakeTools tools;
  tools.answers["ldd"] = CommandOutput{true, 0, k_ldd, ""};
  tools.answers["dpkg"] = CommandOutput{true, 1, k_dpkg, "dpkg-query: no path found matching pattern /usr/lib64/ld-linux-x86-64.so.2\n"};
  tools.answers["apt-cache"] = CommandOutput{true, 0, k_policy, ""};
  const Finding f = audit_packages(tools.runner(), {"/opt/bscbot/bscbotd"}, k_now - std::chrono::hours(50), k_now);
  CHECK(f.severity == Status::warn);
  CHECK(f.evidence.find("2 of 3 package(s) the libraries of bscbotd come from have upgrades pending: "
                        "libssl3 3.0.19-1~deb12u2 -> 3.0.22-1~deb12u2 (security); libc6 2.36-9+deb12u10 -> 2.36-9+deb12u14; "
                        "package lists updated 2d 2h ago") != std::string::npos);
  CHECK(f.fix.rfind("sudo apt-get install --only-upgrade libssl3 libc6, then `bscbot daemon restart`", 0) == 0);
  // dpkg was asked for both spellings of each library's path (merged /usr).
  const auto& dpkg = tools.asked[1];
  CHECK(std::find(dpkg.begin(), dpkg.end(), "/usr/lib/x86_64-linux-gnu/libcurl.so.4") != dpkg.end());
  CHECK(std::find(dpkg.begin(), dpkg.end(), "/lib/x86_64-linux-gnu/libcurl.so.4") != dpkg.end());
  CHECK(tools.asked[2] == std::vector<std::string>{"apt-cache", "policy", "libcurl4", "libssl3", "libc6"});

  tools.answers["apt-cache"] = CommandOutput{true, 0, "libc6:\n  Installed: 2.36-9+deb12u14\n  Candidate: 2.36-9+deb12u14\n", ""};
  const Finding ok = audit_packages(tools.runner(), {"/opt/bscbot/bscbotd"}, k_now - std::chrono::hours(24 * 30), k_now);
  CHECK(ok.severity == Status::ok);
  CHECK(ok.evidence.find("(libcurl4, libssl3, libc6) are at their candidate versions") != std::string::npos);
  CHECK(ok.evidence.find("older than 7 days: `sudo apt-get update`") != std::string::npos);
}

TEST_CASE("packages: a missing apt-cache, dpkg or ldd is UNKNOWN with the manual check") {
  FakeTools tools;
  tools.answers["ldd"] = CommandOutput{true, 0, k_ldd, ""};
  tools.answers["dpkg"] = CommandOutput{true, 0, k_dpkg, ""};
  Finding f = audit_packages(tools.runner(), {"/opt/bscbot/bscbotd"}, std::nullopt, k_now);
  CHECK(f.severity == Status::unknown);
  CHECK(f.evidence.find("apt-cache is not installed") != std::string::npos);
  CHECK(f.fix.find("apt list --upgradable") != std::string::npos);
  tools.answers.erase("dpkg");
  CHECK(audit_packages(tools.runner(), {"/opt/bscbot/bscbotd"}, std::nullopt, k_now).evidence.find("dpkg is not installed") != std::string::npos);
  tools.answers.clear();
  CHECK(audit_packages(tools.runner(), {"/opt/bscbot/bscbotd"}, std::nullopt, k_now).evidence.find("ldd is not installed") != std::string::npos);
}

TEST_CASE("packages: the package lists' age is the newest mtime in the folder") {
  bscbot::test::Scratch s("audit-apt-lists");
  CHECK(!apt_lists_updated(s / "absent"));
  s.write("lists/deb.debian.org_debian_dists_bookworm_InRelease", "x");
  const auto t = apt_lists_updated(s / "lists");
  REQUIRE(t);
  CHECK(std::chrono::abs(std::chrono::system_clock::now() - *t) < std::chrono::minutes(5));
}
