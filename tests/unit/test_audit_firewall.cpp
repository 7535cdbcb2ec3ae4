// The firewall finding: which tool is read (nft, iptables beside it, ufw when neither ran), what
// an unprivileged run says, and the judgement of listening ports against the rules.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "core/audit/firewall.hpp"

using namespace bscbot::core;
using namespace bscbot::core::audit;
using checks::Status;

namespace {

// A runner that answers from a table keyed by the command line; anything else is not installed.
struct FakeTools {
  std::map<std::string, CommandOutput> answers;
  std::vector<std::string> asked;
  CommandRunner runner() {
    return [this](const std::vector<std::string>& argv) {
      asked.push_back(command_line(argv));
      const auto it = answers.find(command_line(argv));
      if (it != answers.end()) return it->second;
      CommandOutput missing;
      missing.found = false;
      return missing;
    };
  }
};

CommandOutput ok(std::string out) { return CommandOutput{true, 0, std::move(out), ""}; }
CommandOutput fails(int code, std::string err) { return CommandOutput{true, code, "", std::move(err)}; }

const char* const k_nft_drop = R"({"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"table": {"family": "inet", "name": "filter", "handle": 1}}, {"chain": {"family": "inet", "table": "filter", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 4, "expr": [{"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["established", "related"]}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 6, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "iif"}}, "right": "lo"}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 8, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": {"set": [22, 10001, 3306]}}}, {"accept": null}]}}]})";
const char* const k_nft_empty = R"({"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}]})";
const char* const k_ipt_open = "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n";

const std::vector<ListeningPort> k_listeners = {
    {"0.0.0.0", 22, "sshd (pid 812)"},  {"::", 22, "sshd (pid 812)"},        {"127.0.0.1", 10001, "bscbotd (pid 900)"},
    {"0.0.0.0", 3306, "mysqld (pid 77)"}, {"127.0.0.1", 5432, "postgres (pid 60)"}, {"::1", 6379, "redis-server (pid 61)"}};

}  // namespace

TEST_CASE("firewall: nft policy drop with only 22 and PORT open passes; an extra listening port warns") {
  FakeTools tools;
  tools.answers["nft -j list ruleset"] = ok(k_nft_drop);
  tools.answers["iptables -S"] = ok(k_ipt_open);  // iptables-nft with no ip table: changes nothing
  tools.answers["ip6tables -S"] = ok(k_ipt_open);
  const FirewallReading reading = read_firewall(tools.runner());
  REQUIRE(reading.state == FirewallReading::State::read);
  CHECK(reading.rules.source == "nft -j list ruleset, iptables -S, ip6tables -S");
  CHECK(std::find(tools.asked.begin(), tools.asked.end(), "ufw status verbose") == tools.asked.end());

  std::vector<ListeningPort> quiet = {k_listeners[0], k_listeners[1], k_listeners[2], k_listeners[4], k_listeners[5]};
  const Finding pass = audit_firewall(reading, quiet, 10001);
  CHECK(pass.severity == Status::ok);
  CHECK(pass.evidence.find("dropped by default") != std::string::npos);
  CHECK(pass.evidence.find("reachable: 22 (0.0.0.0 sshd (pid 812), :: sshd (pid 812))") != std::string::npos);
  CHECK(pass.evidence.find("rules also accept 3306 (nothing listens there now)") != std::string::npos);
  CHECK(pass.fix.empty());

  const Finding extra = audit_firewall(reading, k_listeners, 10001);
  CHECK(extra.severity == Status::warn);
  CHECK(extra.evidence.find("beyond 22 and 10001: 3306 (0.0.0.0 mysqld (pid 77))") != std::string::npos);
  CHECK(extra.evidence.find("5432") == std::string::npos);  // loopback only
  CHECK(extra.evidence.find("6379") == std::string::npos);
  CHECK(extra.fix.find("sudo nft delete rule") != std::string::npos);
  CHECK(extra.fix.find("3306") != std::string::npos);
}

TEST_CASE("firewall: no rules at all, or policy accept, warns with the commands that set one up") {
  FakeTools tools;
  tools.answers["nft -j list ruleset"] = ok(k_nft_empty);
  tools.answers["iptables -S"] = ok(k_ipt_open);
  tools.answers["ip6tables -S"] = ok(k_ipt_open);
  const Finding f = audit_firewall(read_firewall(tools.runner()), k_listeners, 10001);
  CHECK(f.severity == Status::warn);
  CHECK(f.evidence.find("IPv4 accepts incoming connections by default (input policy accept)") != std::string::npos);
  CHECK(f.evidence.find("IPv6 accepts incoming connections by default") != std::string::npos);
  CHECK(f.evidence.find("3306 (0.0.0.0 mysqld (pid 77))") != std::string::npos);
  CHECK(f.fix.find("policy drop") != std::string::npos);
  CHECK(f.fix.find("sudo ufw default deny incoming") != std::string::npos);
  CHECK(f.fix.find("tcp dport '{ 22, 10001 }' accept") != std::string::npos);

  FakeTools nft_only;  // no iptables installed, empty nft: no input chain anywhere
  nft_only.answers["nft -j list ruleset"] = ok(k_nft_empty);
  const Finding none = audit_firewall(read_firewall(nft_only.runner()), k_listeners, 10001);
  CHECK(none.severity == Status::warn);
  CHECK(none.evidence.find("no input chain: no firewall") != std::string::npos);
}

TEST_CASE("firewall: IPv4 closed but IPv6 open is a hole for a dual-stack listener") {
  FakeTools tools;
  tools.answers["iptables -S"] = ok("-P INPUT DROP\n-P FORWARD DROP\n-P OUTPUT ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n");
  tools.answers["ip6tables -S"] = ok(k_ipt_open);
  const Finding f = audit_firewall(read_firewall(tools.runner()), {{"::", 8545, "anvil (pid 5)"}}, 10001);
  CHECK(f.severity == Status::warn);
  CHECK(f.evidence.find("read with iptables -S, ip6tables -S") != std::string::npos);
  CHECK(f.evidence.find("IPv4 accepts") == std::string::npos);
  CHECK(f.evidence.find("IPv6 accepts incoming connections by default") != std::string::npos);
  CHECK(f.evidence.find("8545 (:: anvil (pid 5))") != std::string::npos);
}

TEST_CASE("firewall: iptables -S replaces nft's view of iptables-nft tables") {
  // nft shows a multiport accept as an opaque xt match; iptables -S spells it out.
  FakeTools tools;
  tools.answers["nft -j list ruleset"] = ok(R"({"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"table": {"family": "ip", "name": "filter", "handle": 1}}, {"chain": {"family": "ip", "table": "filter", "name": "INPUT", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}}, {"rule": {"family": "ip", "table": "filter", "chain": "INPUT", "handle": 18, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": "tcp"}}, {"xt": {"type": "match", "name": "multiport"}}, {"counter": {"packets": 0, "bytes": 0}}, {"accept": null}]}}]})");
  tools.answers["iptables -S"] = ok("-P INPUT DROP\n-P FORWARD DROP\n-P OUTPUT ACCEPT\n-A INPUT -p tcp -m multiport --dports 22,10001,8080 -j ACCEPT\n");
  tools.answers["ip6tables -S"] = ok("-P INPUT DROP\n-P FORWARD DROP\n-P OUTPUT ACCEPT\n");
  const FirewallReading reading = read_firewall(tools.runner());
  CHECK(verdict_for(reading.rules, Family::v4, 8080) == Verdict::accept);
  CHECK(skipped_rules(reading.rules) == 0);
  const Finding f = audit_firewall(reading, {{"0.0.0.0", 8080, ""}, {"0.0.0.0", 10001, ""}}, 10001);
  CHECK(f.severity == Status::warn);
  CHECK(f.evidence.find("beyond 22 and 10001: 8080 (0.0.0.0)") != std::string::npos);
}

TEST_CASE("firewall: without root the rules cannot be read: UNKNOWN naming the command to run") {
  FakeTools tools;
  tools.answers["nft -j list ruleset"] = fails(1, "Operation not permitted (you must be root)\nnetlink: Error: cache initialization failed: Operation not permitted\n");
  tools.answers["iptables -S"] = fails(4, "iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n");
  tools.answers["ip6tables -S"] = fails(4, "ip6tables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n");
  tools.answers["ufw status verbose"] = fails(1, "ERROR: You need to be root to run this script\n");
  const FirewallReading reading = read_firewall(tools.runner());
  CHECK(reading.state == FirewallReading::State::refused);
  const Finding f = audit_firewall(reading, k_listeners, 10001);
  CHECK(f.severity == Status::unknown);
  CHECK(f.evidence == "cannot read the firewall rules: nft -j list ruleset: Operation not permitted (you must be root)");
  CHECK(f.fix == "Run `sudo bscbot audit`, or `sudo nft list ruleset` by hand and check that only 22 and 10001 are open");
}

TEST_CASE("firewall: ufw is read when neither nft nor iptables is installed; none at all is UNKNOWN") {
  FakeTools tools;
  tools.answers["ufw status verbose"] = ok("Status: active\nLogging: on (low)\nDefault: deny (incoming), allow (outgoing), disabled (routed)\n"
                                           "New profiles: skip\n\nTo                         Action      From\n"
                                           "--                         ------      ----\n"
                                           "22/tcp                     ALLOW IN    Anywhere\n"
                                           "10001/tcp                  ALLOW IN    Anywhere\n"
                                           "3306/tcp                   ALLOW IN    Anywhere\n");
  const Finding f = audit_firewall(read_firewall(tools.runner()), k_listeners, 10001);
  CHECK(f.severity == Status::warn);
  CHECK(f.evidence.find("read with ufw status verbose") != std::string::npos);
  CHECK(f.evidence.find("beyond 22 and 10001: 3306") != std::string::npos);
  CHECK(f.fix.find("`sudo ufw delete allow PORT/tcp` for each of 3306") != std::string::npos);

  FakeTools inactive;
  inactive.answers["ufw status verbose"] = ok("Status: inactive\n");
  const Finding off = audit_firewall(read_firewall(inactive.runner()), k_listeners, 10001);
  CHECK(off.severity == Status::warn);
  CHECK(off.fix.rfind("sudo ufw default deny incoming", 0) == 0);

  FakeTools nothing;
  const FirewallReading none = read_firewall(nothing.runner());
  CHECK(none.state == FirewallReading::State::no_tool);
  const Finding unknown = audit_firewall(none, k_listeners, 10001);
  CHECK(unknown.severity == Status::unknown);
  CHECK(unknown.evidence.find("none of nft, iptables and ufw is installed") != std::string::npos);
  CHECK(unknown.fix.find("sudo apt-get install ufw") != std::string::npos);
}

TEST_CASE("firewall: listening sockets are read from /proc/net/tcp with their owners") {
  // A listener of this process on the wildcard address, on a port the kernel picks.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 1) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  const int port = ntohs(addr.sin_port);
  const auto ports = listening_tcp_ports("/proc");
  ::close(fd);
  const auto it = std::find_if(ports.begin(), ports.end(), [&](const ListeningPort& p) { return p.port == port; });
  REQUIRE(it != ports.end());
  CHECK(it->address == "0.0.0.0");
  CHECK(it->owner.find(fmt::format("(pid {})", ::getpid())) != std::string::npos);
}
