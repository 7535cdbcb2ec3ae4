#include "core/audit/firewall_rules.hpp"

#include <algorithm>

namespace bscbot::core::audit {

namespace {

bool family_matches(Family chain, Family asked) { return chain == Family::both || asked == Family::both || chain == asked; }

bool port_matches(const FirewallRule& r, std::optional<int> port) {
  if (!r.tcp) return false;
  if (!r.dports) return true;
  if (!port) return false;  // a port no rule names
  return std::any_of(r.dports->begin(), r.dports->end(), [&](const PortRange& p) { return *port >= p.first && *port <= p.last; });
}

const FirewallChain* find_chain(const Ruleset& rules, const FirewallChain& from, const std::string& name) {
  for (const auto& c : rules.chains) {
    if (c.table == from.table && c.name == name && !c.policy) return &c;
  }
  return nullptr;
}

// The verdict of `chain` (none: it fell through or returned). `depth` stops a jump loop.
Verdict walk(const Ruleset& rules, const FirewallChain& chain, std::optional<int> port, int depth) {
  if (depth > 32) return Verdict::none;
  for (const auto& r : chain.rules) {
    if (r.skipped || r.inapplicable || !port_matches(r, port)) continue;
    switch (r.verdict) {
      case Verdict::none: break;
      case Verdict::accept:
      case Verdict::drop: return r.verdict;
      case Verdict::ret: return Verdict::none;
      case Verdict::jump:
      case Verdict::go_to: {
        const FirewallChain* next = find_chain(rules, chain, r.target);
        const Verdict v = next ? walk(rules, *next, port, depth + 1) : Verdict::none;
        if (v != Verdict::none || r.verdict == Verdict::go_to) return v;
        break;
      }
    }
  }
  return Verdict::none;
}

void collect(const Ruleset& rules, const FirewallChain& chain, std::vector<PortRange>& out, int depth) {
  if (depth > 32) return;
  for (const auto& r : chain.rules) {
    if (r.skipped || r.inapplicable || !r.tcp) continue;
    if (r.verdict == Verdict::accept && r.dports) out.insert(out.end(), r.dports->begin(), r.dports->end());
    if (r.verdict == Verdict::jump || r.verdict == Verdict::go_to) {
      if (const FirewallChain* next = find_chain(rules, chain, r.target)) collect(rules, *next, out, depth + 1);
    }
  }
}

}  // namespace

Verdict verdict_for(const Ruleset& rules, Family family, std::optional<int> port) {
  for (const auto& c : rules.chains) {
    if (!c.policy || !family_matches(c.family, family)) continue;
    Verdict v = walk(rules, c, port, 0);
    if (v == Verdict::none) v = *c.policy;
    if (v != Verdict::accept) return Verdict::drop;
  }
  return Verdict::accept;
}

bool has_input_chain(const Ruleset& rules, Family family) {
  return std::any_of(rules.chains.begin(), rules.chains.end(), [&](const FirewallChain& c) { return c.policy && family_matches(c.family, family); });
}

std::vector<PortRange> accepted_ports(const Ruleset& rules, Family family) {
  std::vector<PortRange> out;
  for (const auto& c : rules.chains) {
    if (c.policy && family_matches(c.family, family)) collect(rules, c, out, 0);
  }
  std::sort(out.begin(), out.end(), [](const PortRange& a, const PortRange& b) { return a.first < b.first || (a.first == b.first && a.last < b.last); });
  out.erase(std::unique(out.begin(), out.end(), [](const PortRange& a, const PortRange& b) { return a.first == b.first && a.last == b.last; }), out.end());
  return out;
}

int skipped_rules(const Ruleset& rules) {
  int n = 0;
  for (const auto& c : rules.chains) n += static_cast<int>(std::count_if(c.rules.begin(), c.rules.end(), [](const FirewallRule& r) { return r.skipped && r.verdict != Verdict::none; }));
  return n;
}

std::string port_text(const PortRange& r) { return r.first == r.last ? std::to_string(r.first) : std::to_string(r.first) + "-" + std::to_string(r.last); }

}  // namespace bscbot::core::audit
