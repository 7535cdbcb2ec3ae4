#pragma once
// Fake host tools for the audit's black-box tests: a folder put first on PATH with nft,
// iptables, ip6tables, ufw, dpkg and apt-cache scripts that print what the real tools print
// (nft 1.0.6, iptables 1.8.9 nf_tables, apt 2.6 on Debian 12), so the real `bscbot audit` reads a
// chosen firewall and chosen package versions whatever this machine has. ldd stays the real one.
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/support/harness.hpp"

namespace bscbot::test {

// `nft -j list ruleset` of an inet table dropping by default and accepting new TCP
// connections to `ports` (and established ones, and loopback).
inline std::string nft_ruleset(const std::vector<int>& ports) {
  std::string set;
  for (const int p : ports) set += (set.empty() ? "" : ", ") + std::to_string(p);
  return R"({"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, )"
         R"({"table": {"family": "inet", "name": "filter", "handle": 1}}, )"
         R"({"chain": {"family": "inet", "table": "filter", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}}, )"
         R"({"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 4, "expr": [{"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["established", "related"]}}, {"accept": null}]}}, )"
         R"({"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 5, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "iif"}}, "right": "lo"}}, {"accept": null}]}}, )"
         R"({"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 6, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": {"set": [)" +
         set + R"(]}}}, {"accept": null}]}}]})";
}

class FakeHostTools {
public:
  explicit FakeHostTools(std::filesystem::path dir) : m_dir(std::move(dir)) {
    std::filesystem::create_directories(m_dir);
    // Each firewall tool prints TOOL.out, or TOOL.err on stderr with exit 1 (not root).
    for (const char* tool : {"nft", "iptables", "ip6tables", "ufw"}) {
      script(tool, "if [ -f \"$0.err\" ]; then cat \"$0.err\" >&2; exit 1; fi\ncat \"$0.out\"\n");
    }
    // iptables-nft on a host whose rules are all in nftables: the empty built-in chains.
    write("iptables.out", "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n");
    write("ip6tables.out", "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n");
    write("ufw.out", "Status: inactive\n");
    write("nft.out", R"({"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}]})");
    // dpkg -S knows libc.so.6 (libc6) and libcurl.so.4 (libcurl4), under any folder.
    script("dpkg",
           "shift; missing=0\n"
           "for a in \"$@\"; do case \"$a\" in\n"
           "  */libc.so.6) echo \"libc6:amd64: $a\" ;;\n"
           "  */libcurl.so.4) echo \"libcurl4:amd64: $a\" ;;\n"
           "  *) echo \"dpkg-query: no path found matching pattern $a\" >&2; missing=1 ;;\n"
           "esac; done\nexit $missing\n");
    // apt-cache policy: apt-cache.PKG when written, else installed at the candidate version.
    script("apt-cache",
           "echo \"$@\" >> \"$0.asked\"; shift\n"
           "for p in \"$@\"; do\n"
           "  if [ -f \"$0.$p\" ]; then cat \"$0.$p\"; continue; fi\n"
           "  printf '%s:\\n  Installed: 1.0-1\\n  Candidate: 1.0-1\\n  Version table:\\n *** 1.0-1 500\\n"
           "        500 http://deb.debian.org/debian bookworm/main amd64 Packages\\n        100 /var/lib/dpkg/status\\n' \"$p\"\n"
           "done\n");
  }

  void nft(const std::string& json) { write("nft.out", json); }
  // Every firewall tool refuses as it does for a user who is not root.
  void refuse() {
    write("nft.err", "Operation not permitted (you must be root)\nnetlink: Error: cache initialization failed: Operation not permitted\n");
    write("iptables.err", "iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n");
    write("ip6tables.err", "ip6tables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n");
    write("ufw.err", "ERROR: You need to be root to run this script\n");
  }
  // apt-cache policy prints `policy` for `package`.
  void apt_policy(const std::string& package, const std::string& policy) { write("apt-cache." + package, policy); }
  // Every package at its candidate version (the default).
  void apt_policy_current() {}
  // What apt-cache was asked, one line per run.
  std::string apt_asked() const { return read_text(m_dir / "apt-cache.asked"); }

  // The environment with these tools first on PATH.
  std::map<std::string, std::string> env(std::map<std::string, std::string> more = {}) const {
    const char* path = std::getenv("PATH");
    more["PATH"] = m_dir.string() + ":" + (path ? path : "/usr/bin:/bin");
    return more;
  }

private:
  // Writing TOOL.out takes back a refusal (TOOL.err).
  void write(const std::string& name, const std::string& text) const {
    const auto dot = name.rfind(".out");
    if (dot != std::string::npos && dot + 4 == name.size()) std::filesystem::remove(m_dir / (name.substr(0, dot) + ".err"));
    std::ofstream(m_dir / name) << text;
  }
  void script(const std::string& name, const std::string& body) const {
    std::ofstream(m_dir / name) << "#!/bin/sh\n" << body;
    ::chmod((m_dir / name).c_str(), 0755);
  }

  std::filesystem::path m_dir;
};

}  // namespace bscbot::test
