#pragma once
// The firewall as the audit models it, whatever tool it was read with (nftables, iptables, ufw):
// the input chains and the few conditions that decide whether a new TCP connection from anywhere
// reaches a port. A rule with a condition outside the model (a source address, an interface, a
// rate limit, a named set) is one such a connection may or may not meet; it is skipped and counted,
// so the verdict is the one for a connection no such rule catches.
#include <optional>
#include <string>
#include <vector>

namespace bscbot::core::audit {

enum class Verdict { none, accept, drop, jump, go_to, ret };

enum class Family { v4, v6, both };

struct PortRange {
  int first = 0;
  int last = 0;
};

struct FirewallRule {
  bool skipped = false;                        // has a condition outside the model
  bool inapplicable = false;                   // cannot match a new connection from anywhere (loopback, established)
  bool tcp = true;                             // may match TCP (false: another protocol only)
  std::optional<std::vector<PortRange>> dports;  // nullopt: any port
  Verdict verdict = Verdict::none;             // none: counts or logs, then the next rule
  std::string target;                          // the chain of a jump or goto
};

struct FirewallChain {
  std::string table;                 // "inet filter", "iptables", "ufw"
  std::string name;
  Family family = Family::both;
  std::optional<Verdict> policy;     // set for a base chain on the input hook (accept or drop)
  std::vector<FirewallRule> rules;
};

struct Ruleset {
  std::vector<FirewallChain> chains;
  std::string source;                // the command(s) it was read with
};

// What a new TCP connection from anywhere to `port` meets in `family`'s input chains: accept only
// when every input base chain accepts it (a packet passes each hook in turn); accept when there
// is none. nullopt `port`: a port no rule names (the default for incoming traffic).
Verdict verdict_for(const Ruleset& rules, Family family, std::optional<int> port);

// Whether `family` has any input base chain at all.
bool has_input_chain(const Ruleset& rules, Family family);

// Ports named by accepting rules reachable from the input chains (for the evidence: opened by a
// rule, nothing listening).
std::vector<PortRange> accepted_ports(const Ruleset& rules, Family family);

// Rules that decide something (accept, drop, jump) skipped because a condition is outside the model.
int skipped_rules(const Ruleset& rules);

// "22", "6000-6007".
std::string port_text(const PortRange& r);

}  // namespace bscbot::core::audit
