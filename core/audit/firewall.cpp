#include "core/audit/firewall.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "core/audit/firewall_parse.hpp"
#include "core/diagnose/system.hpp"
#include "core/error.hpp"

namespace fs = std::filesystem;

namespace bscbot::core::audit {

using checks::Status;

namespace {

bool is_loopback(const std::string& a) { return a.rfind("127.", 0) == 0 || a == "::1" || a.rfind("::ffff:127.", 0) == 0; }

// The families a socket bound to `address` accepts connections on ("::" is dual-stack unless
// bindv6only, which Debian leaves off).
std::vector<Family> families_of(const std::string& address) {
  if (address == "::") return {Family::v4, Family::v6};
  if (address.find(':') == std::string::npos || address.rfind("::ffff:", 0) == 0) return {Family::v4};
  return {Family::v6};
}

bool refused(const CommandOutput& r) {
  const std::string e = r.err + r.out;
  return e.find("root") != std::string::npos || e.find("not permitted") != std::string::npos ||
         e.find("ermission denied") != std::string::npos;
}

bool ran(const CommandOutput& r) { return r.found && r.exit_code == 0; }

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool managed_by_ufw(const Ruleset& rules) {
  return rules.source.find("ufw") != std::string::npos ||
         std::any_of(rules.chains.begin(), rules.chains.end(), [](const FirewallChain& c) { return c.name.rfind("ufw", 0) == 0; });
}

}  // namespace

std::vector<ListeningPort> listening_tcp_ports(const fs::path& proc_root) {
  std::vector<diagnose::Socket> sockets;
  for (const bool v6 : {false, true}) {
    const std::string text = read_file(proc_root / "net" / (v6 ? "tcp6" : "tcp"));
    for (const auto& s : diagnose::parse_proc_net_tcp(text, v6)) {
      if (s.state == 0x0A) sockets.push_back(s);
    }
  }
  std::vector<std::uint64_t> inodes;
  for (const auto& s : sockets) inodes.push_back(s.inode);
  const auto owners = diagnose::socket_owners(proc_root, inodes);
  std::vector<ListeningPort> out;
  for (const auto& s : sockets) {
    ListeningPort l{s.local_address, s.local_port, ""};
    if (const auto it = owners.find(s.inode); it != owners.end() && !it->second.empty()) {
      if (const auto p = diagnose::process_info(proc_root, it->second.front())) l.owner = fmt::format("{} (pid {})", p->comm, p->pid);
    }
    out.push_back(std::move(l));
  }
  return out;
}

FirewallReading read_firewall(const CommandRunner& run) {
  FirewallReading reading;
  const std::vector<std::string> nft_argv = {"nft", "-j", "list", "ruleset"};
  const CommandOutput nft = run(nft_argv);
  const CommandOutput ipt4 = run({"iptables", "-S"});
  const CommandOutput ipt6 = run({"ip6tables", "-S"});
  std::vector<std::string> sources, failures;
  try {
    if (ran(nft)) {
      const bool xt = nft_has_xt(nft.out);
      for (auto& c : parse_nft_json(nft.out).chains) {
        // iptables-nft's tables: iptables -S reads their conntrack and multiport matches.
        if (xt && ((c.family == Family::v4 && ran(ipt4)) || (c.family == Family::v6 && ran(ipt6)))) continue;
        reading.rules.chains.push_back(std::move(c));
      }
      sources.push_back(command_line(nft_argv));
    } else if (nft.found) {
      failures.push_back(command_line(nft_argv) + ": " + nft.first_error_line());
    }
    // Also legacy iptables' tables, which nft does not see. The same table read twice does not
    // change a verdict: every input chain must accept.
    for (const auto& [out, family, tool] : {std::tuple{&ipt4, Family::v4, "iptables"}, std::tuple{&ipt6, Family::v6, "ip6tables"}}) {
      if (ran(*out)) {
        for (auto& c : parse_iptables_rules(out->out, family).chains) reading.rules.chains.push_back(std::move(c));
        sources.push_back(std::string(tool) + " -S");
      } else if (out->found) {
        failures.push_back(std::string(tool) + " -S: " + out->first_error_line());
      }
    }
    if (sources.empty()) {
      const std::vector<std::string> ufw_argv = {"ufw", "status", "verbose"};
      const CommandOutput ufw = run(ufw_argv);
      if (ran(ufw)) {
        reading.rules = parse_ufw_status(ufw.out);
        sources.push_back(command_line(ufw_argv));
      } else if (ufw.found) {
        failures.push_back(command_line(ufw_argv) + ": " + ufw.first_error_line());
      }
      if (sources.empty()) {
        const bool any_found = nft.found || ipt4.found || ufw.found;
        reading.state = !any_found ? FirewallReading::State::no_tool
                        : (refused(nft) || refused(ipt4) || refused(ufw)) ? FirewallReading::State::refused
                                                                          : FirewallReading::State::failed;
        reading.error = any_found ? failures.front() : "none of nft, iptables and ufw is installed";
        reading.command = nft.found || !ufw.found ? "sudo nft list ruleset" : "sudo ufw status verbose";
        if (!nft.found && ipt4.found) reading.command = "sudo iptables -S";
        return reading;
      }
    }
  } catch (const Error& e) {
    reading.state = FirewallReading::State::failed;
    reading.error = e.what();
    reading.command = "sudo nft list ruleset";
    return reading;
  }
  reading.state = FirewallReading::State::read;
  reading.rules.source = fmt::format("{}", fmt::join(sources, ", "));
  return reading;
}

Finding audit_firewall(const FirewallReading& reading, const std::vector<ListeningPort>& listeners, int daemon_port) {
  Finding f{"firewall", fmt::format("Firewall: only 22 and {} open to the network", daemon_port), Status::ok, "", ""};
  const std::string expected = fmt::format("22 and {}", daemon_port);
  if (reading.state != FirewallReading::State::read) {
    f.severity = Status::unknown;
    f.evidence = "cannot read the firewall rules: " + reading.error;
    f.fix = reading.state == FirewallReading::State::no_tool
                ? fmt::format("Install a firewall (`sudo apt-get install ufw`), or check by hand with `{}` that only {} are open", reading.command, expected)
                : fmt::format("Run `sudo bscbot audit`, or `{}` by hand and check that only {} are open", reading.command, expected);
    return f;
  }
  const Ruleset& rules = reading.rules;
  std::vector<std::string> evidence = {"read with " + rules.source};
  bool open_by_default = false;
  for (const auto& [family, name] : {std::pair{Family::v4, "IPv4"}, std::pair{Family::v6, "IPv6"}}) {
    if (verdict_for(rules, family, std::nullopt) == Verdict::accept) {
      open_by_default = true;
      evidence.push_back(fmt::format("{} accepts incoming connections by default ({})", name,
                                     has_input_chain(rules, family) ? "input policy accept" : "no input chain: no firewall"));
    }
  }
  if (!open_by_default) evidence.push_back("incoming connections are dropped by default");

  // What listens beyond loopback, and whether a new connection from anywhere reaches it.
  std::map<int, std::vector<std::string>> reachable;  // port -> "0.0.0.0 sshd (pid 812)"
  std::set<int> listening;
  for (const auto& l : listeners) {
    if (is_loopback(l.address)) continue;
    listening.insert(l.port);
    const auto fams = families_of(l.address);
    if (std::any_of(fams.begin(), fams.end(), [&](Family fam) { return verdict_for(rules, fam, l.port) == Verdict::accept; })) {
      reachable[l.port].push_back(l.address + (l.owner.empty() ? "" : " " + l.owner));
    }
  }
  std::vector<std::string> open, extra;
  for (const auto& [port, where] : reachable) {
    const std::string text = fmt::format("{} ({})", port, fmt::join(where, ", "));
    open.push_back(text);
    if (port != 22 && port != daemon_port) extra.push_back(text);
  }
  evidence.push_back(open.empty() ? "no listening port is reachable" : "reachable: " + fmt::format("{}", fmt::join(open, "; ")));
  std::vector<std::string> idle;  // opened by a rule, nothing listening now
  for (const auto& r : accepted_ports(rules, Family::both)) {
    if (r.first == r.last && (r.first == 22 || r.first == daemon_port || listening.count(r.first))) continue;
    idle.push_back(port_text(r));
  }
  if (!idle.empty()) evidence.push_back(fmt::format("rules also accept {} (nothing listens there now)", fmt::join(idle, ", ")));
  if (const int n = skipped_rules(rules)) {
    evidence.push_back(fmt::format("{} rule(s) limited to some sources, interfaces or rates were left out", n));
  }
  f.evidence = fmt::format("{}", fmt::join(evidence, "; "));

  const bool ufw = managed_by_ufw(rules);
  if (open_by_default) {
    f.severity = Status::warn;
    f.fix = ufw ? fmt::format("sudo ufw default deny incoming && sudo ufw allow 22/tcp && sudo ufw allow {}/tcp && sudo ufw enable", daemon_port)
                : fmt::format("Drop what is not allowed: `sudo nft add table inet filter && sudo nft add chain inet filter input "
                              "'{{ type filter hook input priority 0; policy drop; }}' && sudo nft add rule inet filter input ct state "
                              "established,related accept && sudo nft add rule inet filter input iif lo accept && sudo nft add rule inet "
                              "filter input tcp dport '{{ 22, {} }}' accept` (keep it in /etc/nftables.conf), or use ufw: "
                              "`sudo ufw default deny incoming && sudo ufw allow 22/tcp && sudo ufw allow {}/tcp && sudo ufw enable`",
                              daemon_port, daemon_port);
  } else if (!extra.empty()) {
    f.severity = Status::warn;
    std::vector<std::string> ports;
    for (const auto& [port, where] : reachable) {
      if (port != 22 && port != daemon_port) ports.push_back(std::to_string(port));
    }
    f.fix = ufw ? fmt::format("Close them: `sudo ufw delete allow PORT/tcp` for each of {} (`sudo ufw status numbered`), or bind "
                              "the service to 127.0.0.1",
                              fmt::join(ports, ", "))
                : fmt::format("Delete the rules that accept {} (`sudo nft -a list ruleset`, then `sudo nft delete rule FAMILY TABLE "
                              "CHAIN handle N`), or bind the service to 127.0.0.1",
                              fmt::join(ports, ", "));
  }
  if (!extra.empty()) f.evidence += fmt::format("; beyond {}: {}", expected, fmt::join(extra, "; "));
  return f;
}

}  // namespace bscbot::core::audit
