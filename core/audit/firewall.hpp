#pragma once
// The manual's pre-production check 7, `sudo ufw status` ("only 22 and 10001 open"): the
// firewall's rules (nftables, else iptables, else ufw) held against the TCP ports something
// listens on beyond loopback.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/audit/command_runner.hpp"
#include "core/audit/finding.hpp"
#include "core/audit/firewall_rules.hpp"

namespace bscbot::core::audit {

struct ListeningPort {
  std::string address;  // "0.0.0.0", "::", "192.0.2.7"
  int port = 0;
  std::string owner;    // "sshd (pid 812)"; empty when it cannot be seen
};

using ListenerLister = std::function<std::vector<ListeningPort>()>;

// The listening TCP sockets in /proc/net/tcp{,6} under `proc_root` with their processes.
std::vector<ListeningPort> listening_tcp_ports(const std::filesystem::path& proc_root = "/proc");

struct FirewallReading {
  enum class State { read, no_tool, refused, failed };
  State state = State::failed;
  Ruleset rules;
  std::string error;    // "nft -j list ruleset: Operation not permitted (you must be root)"
  std::string command;  // to run by hand: "sudo nft list ruleset"
};

// Reads the rules with `run`: `nft -j list ruleset` and `iptables -S` / `ip6tables -S` (which
// spell out what iptables-nft shows nft as opaque "xt" expressions, and see legacy tables);
// `ufw status verbose` when neither ran.
FirewallReading read_firewall(const CommandRunner& run);

// WARN when incoming connections are accepted by default (no firewall, or policy accept) or
// when a port other than 22 and `daemon_port` listening beyond loopback is reachable; UNKNOWN
// when the rules cannot be read (no tool, or not root), naming the command to run by hand.
Finding audit_firewall(const FirewallReading& reading, const std::vector<ListeningPort>& listeners, int daemon_port);

}  // namespace bscbot::core::audit
