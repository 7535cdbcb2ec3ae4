#include "core/audit/firewall_parse.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <sstream>

#include "core/error.hpp"

namespace bscbot::core::audit {

using nlohmann::json;

namespace {

std::optional<int> to_port(const json& v) {
  if (v.is_number_integer()) return v.get<int>();
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (!s.empty() && std::all_of(s.begin(), s.end(), ::isdigit) && s.size() < 6) return std::stoi(s);
  }
  return std::nullopt;
}

// nft's right-hand side of a port match: 22, {"range": [a, b]}, {"set": [...]}; nullopt when
// it is something else (a named set "@ports", a map).
std::optional<std::vector<PortRange>> nft_ports(const json& right) {
  std::vector<PortRange> out;
  auto one = [&](const json& v) {
    if (auto p = to_port(v)) {
      out.push_back({*p, *p});
      return true;
    }
    if (v.is_object() && v.contains("range") && v["range"].is_array() && v["range"].size() == 2) {
      const auto a = to_port(v["range"][0]), b = to_port(v["range"][1]);
      if (a && b) {
        out.push_back({*a, *b});
        return true;
      }
    }
    return false;
  };
  if (right.is_object() && right.contains("set") && right["set"].is_array()) {
    for (const auto& v : right["set"]) {
      if (!one(v)) return std::nullopt;
    }
    return out;
  }
  if (!one(right)) return std::nullopt;
  return out;
}

std::vector<std::string> nft_words(const json& right) {
  std::vector<std::string> out;
  if (right.is_string()) out.push_back(right.get<std::string>());
  const json& list = right.is_object() && right.contains("set") ? right["set"] : right;
  if (list.is_array()) {
    for (const auto& v : list) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  return out;
}

bool contains(const std::vector<std::string>& words, const std::string& w) { return std::find(words.begin(), words.end(), w) != words.end(); }

// One nft "match" expression applied to `rule`.
void nft_match(const json& m, FirewallRule& rule) {
  const std::string op = m.value("op", "==");
  const json& left = m.contains("left") ? m["left"] : json();
  const json& right = m.contains("right") ? m["right"] : json();
  const bool equal = op == "==" || op == "in";
  if (left.contains("meta")) {
    const std::string key = left["meta"].value("key", "");
    if (key == "iif" || key == "iifname") {
      if (right == "lo" && equal) rule.inapplicable = true;
      else if (!(right == "lo" && op == "!=")) rule.skipped = true;
      return;
    }
    if (key == "l4proto" && equal) {
      if (!contains(nft_words(right), "tcp")) rule.tcp = false;
      return;
    }
  } else if (left.contains("ct") && left["ct"].value("key", "") == "state" && equal) {
    if (!contains(nft_words(right), "new")) rule.inapplicable = true;
    return;
  } else if (left.contains("payload")) {
    const json& p = left["payload"];
    const std::string proto = p.value("protocol", ""), field = p.value("field", "");
    if ((proto == "ip" && field == "protocol") || (proto == "ip6" && field == "nexthdr")) {
      if (equal && !contains(nft_words(right), "tcp")) rule.tcp = false;
      else if (!equal) rule.skipped = true;
      return;
    }
    if (field == "dport" && equal) {
      if (proto != "tcp" && proto != "th") {
        rule.tcp = false;
        return;
      }
      if (auto ports = nft_ports(right)) rule.dports = ports;
      else rule.skipped = true;
      return;
    }
  }
  rule.skipped = true;  // a source, destination, named set, fib lookup...
}

FirewallRule nft_rule(const json& exprs) {
  FirewallRule rule;
  for (const auto& e : exprs) {
    if (!e.is_object() || e.empty()) continue;
    const std::string kind = e.begin().key();
    const json& v = e.begin().value();
    if (kind == "match") nft_match(v, rule);
    else if (kind == "accept") rule.verdict = Verdict::accept;
    else if (kind == "drop" || kind == "reject") rule.verdict = Verdict::drop;
    else if (kind == "return") rule.verdict = Verdict::ret;
    else if (kind == "jump" || kind == "goto") {
      rule.verdict = kind == "jump" ? Verdict::jump : Verdict::go_to;
      rule.target = v.value("target", "");
    } else if (kind == "xt" && v.value("type", "") == "target") {
      const std::string name = v.value("name", "");
      if (name == "REJECT" || name == "DROP") rule.verdict = Verdict::drop;
      else if (name != "LOG" && name != "NFLOG") rule.skipped = true;
    } else if (kind == "counter" || kind == "log" || kind == "comment") {
      // no effect on the verdict
    } else {
      rule.skipped = true;  // xt matches, limit, vmap, queue...
    }
  }
  return rule;
}

std::vector<std::string> split_words(std::string_view line) {
  // Splits at blanks, keeping "double quoted" words whole (--comment "...", --log-prefix "...").
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false, any = false;
  for (const char c : line) {
    if (c == '"') {
      quoted = !quoted;
      any = true;
    } else if (!quoted && (c == ' ' || c == '\t' || c == '\r')) {
      if (any) out.push_back(cur);
      cur.clear();
      any = false;
    } else {
      cur += c;
      any = true;
    }
  }
  if (any) out.push_back(cur);
  return out;
}

std::optional<std::vector<PortRange>> iptables_ports(const std::string& text) {
  std::vector<PortRange> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto colon = item.find(':');
    const auto a = to_port(json(item.substr(0, colon)));
    const auto b = colon == std::string::npos ? a : to_port(json(item.substr(colon + 1)));
    if (!a || !b) return std::nullopt;
    out.push_back({*a, *b});
  }
  return out;
}

bool any_address(const std::string& a) { return a == "0.0.0.0/0" || a == "::/0"; }

}  // namespace

Ruleset parse_nft_json(std::string_view text) {
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("nftables") || !doc["nftables"].is_array()) {
    throw Error(ErrorKind::data, "nft -j list ruleset printed something that is not nftables JSON");
  }
  Ruleset out;
  out.source = "nft -j list ruleset";
  std::map<std::string, std::size_t> index;  // "family table chain" -> position in out.chains
  auto family_of = [](const std::string& f) -> std::optional<Family> {
    if (f == "ip") return Family::v4;
    if (f == "ip6") return Family::v6;
    if (f == "inet") return Family::both;
    return std::nullopt;  // arp, bridge, netdev: not the input path of a local TCP socket
  };
  for (const auto& item : doc["nftables"]) {
    if (!item.contains("chain")) continue;
    const json& c = item["chain"];
    const auto family = family_of(c.value("family", ""));
    if (!family) continue;
    FirewallChain chain;
    chain.table = c.value("family", "") + " " + c.value("table", "");
    chain.name = c.value("name", "");
    chain.family = *family;
    if (c.contains("hook")) {
      if (c.value("hook", "") != "input" || c.value("type", "filter") != "filter") continue;
      chain.policy = c.value("policy", "accept") == "accept" ? Verdict::accept : Verdict::drop;
    }
    index[chain.table + " " + chain.name] = out.chains.size();
    out.chains.push_back(std::move(chain));
  }
  for (const auto& item : doc["nftables"]) {
    if (!item.contains("rule")) continue;
    const json& r = item["rule"];
    const auto it = index.find(r.value("family", "") + " " + r.value("table", "") + " " + r.value("chain", ""));
    if (it == index.end() || !r.contains("expr") || !r["expr"].is_array()) continue;
    out.chains[it->second].rules.push_back(nft_rule(r["expr"]));
  }
  return out;
}

bool nft_has_xt(std::string_view text) { return text.find("{\"xt\":") != std::string_view::npos || text.find("\"xt\": ") != std::string_view::npos; }

Ruleset parse_iptables_rules(std::string_view text, Family family) {
  const std::string tool = family == Family::v6 ? "ip6tables" : "iptables";
  Ruleset out;
  out.source = tool + " -S";
  std::map<std::string, std::size_t> index;
  auto chain_at = [&](const std::string& name) -> FirewallChain& {
    auto it = index.find(name);
    if (it == index.end()) {
      it = index.emplace(name, out.chains.size()).first;
      out.chains.push_back(FirewallChain{tool, name, family, std::nullopt, {}});
    }
    return out.chains[it->second];
  };
  std::istringstream in{std::string(text)};
  std::string line;
  bool seen = false;
  while (std::getline(in, line)) {
    const auto w = split_words(line);
    if (w.empty() || w[0].rfind("#", 0) == 0) continue;
    if (w[0] == "-P" && w.size() >= 3) {
      seen = true;
      if (w[1] == "INPUT") chain_at("INPUT").policy = w[2] == "ACCEPT" ? Verdict::accept : Verdict::drop;
      continue;
    }
    if (w[0] == "-N" && w.size() >= 2) {
      chain_at(w[1]);
      continue;
    }
    if (w[0] != "-A" || w.size() < 2) {
      throw Error(ErrorKind::data, tool + " -S printed a line that is not -P, -N or -A: " + line);
    }
    if (w[1] == "FORWARD" || w[1] == "OUTPUT" || w[1] == "PREROUTING" || w[1] == "POSTROUTING") continue;
    FirewallRule rule;
    bool negate = false;
    for (std::size_t i = 2; i < w.size(); ++i) {
      const std::string& o = w[i];
      const std::string value = i + 1 < w.size() ? w[i + 1] : "";
      if (o == "!") {
        negate = true;
        continue;
      }
      if (o == "-j" || o == "-g") {
        const std::string& t = value;
        if (t == "ACCEPT") rule.verdict = Verdict::accept;
        else if (t == "DROP" || t == "REJECT") rule.verdict = Verdict::drop;
        else if (t == "RETURN") rule.verdict = Verdict::ret;
        else if (t == "LOG" || t == "NFLOG") rule.verdict = Verdict::none;
        else if (index.count(t) || o == "-g") {
          rule.verdict = o == "-g" ? Verdict::go_to : Verdict::jump;
          rule.target = t;
        } else {
          rule.skipped = true;  // a target of another kind (MARK, CT, TPROXY...)
        }
        break;  // what follows are the target's own options
      }
      ++i;  // every option below takes one value
      if (o == "-i" || o == "--in-interface") {
        if (value == "lo" && !negate) rule.inapplicable = true;
        else if (!(value == "lo" && negate)) rule.skipped = true;
      } else if (o == "-p" || o == "--protocol") {
        if (negate) rule.skipped = true;
        else if (value != "tcp" && value != "all") rule.tcp = false;
      } else if (o == "-s" || o == "-d" || o == "--source" || o == "--destination") {
        if (negate || !any_address(value)) rule.skipped = true;
      } else if (o == "-m" || o == "--match") {
        static const char* const k_known[] = {"tcp", "udp", "comment", "multiport", "conntrack", "state", "icmp", "icmp6", "ipv6-icmp"};
        if (std::none_of(std::begin(k_known), std::end(k_known), [&](const char* k) { return value == k; })) rule.skipped = true;
      } else if (o == "--dport" || o == "--destination-port" || o == "--dports" || o == "--destination-ports") {
        auto ports = iptables_ports(value);
        if (negate || !ports) rule.skipped = true;
        else rule.dports = ports;
      } else if (o == "--ctstate" || o == "--state") {
        if (negate) rule.skipped = true;
        else if (value.find("NEW") == std::string::npos) rule.inapplicable = true;
      } else if (o == "--comment" || o == "--icmp-type" || o == "--icmpv6-type") {
        // no effect on a TCP connection's verdict (icmp already made the rule not TCP)
      } else {
        rule.skipped = true;  // an option of a module outside the model (recent, limit, set...)
        --i;                  // how many values it takes is unknown: read on word by word to -j
      }
      negate = false;
    }
    chain_at(w[1]).rules.push_back(rule);
  }
  if (!seen && !out.chains.empty()) throw Error(ErrorKind::data, tool + " -S printed rules without the chain policies (-P)");
  // Only INPUT is a base chain on the input hook; FORWARD and OUTPUT never see a local connection.
  return out;
}

Ruleset parse_ufw_status(std::string_view text) {
  Ruleset out;
  out.source = "ufw status verbose";
  std::istringstream in{std::string(text)};
  std::string line;
  bool active = false, table = false, status = false;
  std::optional<Verdict> policy;
  FirewallChain chain4{"ufw", "ufw-user-input", Family::v4, std::nullopt, {}};
  FirewallChain chain6{"ufw", "ufw6-user-input", Family::v6, std::nullopt, {}};
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("Status:", 0) == 0) {
      status = true;
      active = line.find("inactive") == std::string::npos && line.find("active") != std::string::npos;
    } else if (line.rfind("Default:", 0) == 0) {
      // "Default: deny (incoming), allow (outgoing), disabled (routed)"
      const auto at = line.find("(incoming)");
      if (at != std::string::npos) policy = line.substr(0, at).find("allow") != std::string::npos ? Verdict::accept : Verdict::drop;
    } else if (line.rfind("--", 0) == 0) {
      table = true;
    } else if (table && !line.empty()) {
      // Columns are separated by two or more blanks: To, Action, From.
      std::vector<std::string> cols;
      std::size_t i = 0;
      while (i < line.size()) {
        const auto start = line.find_first_not_of(' ', i);
        if (start == std::string::npos) break;
        auto end = line.find("  ", start);
        if (end == std::string::npos) end = line.size();
        cols.push_back(line.substr(start, end - start));
        i = end;
      }
      if (cols.size() < 3) continue;
      std::string to = cols[0], action = cols[1], from = cols[2];
      const bool v6 = to.find("(v6)") != std::string::npos;
      if (v6) to = to.substr(0, to.find(" (v6)"));
      if (action.find("OUT") != std::string::npos || action.find("FWD") != std::string::npos) continue;
      FirewallRule rule;
      rule.verdict = action.rfind("ALLOW", 0) == 0 || action.rfind("LIMIT", 0) == 0 ? Verdict::accept : Verdict::drop;
      if (from.rfind("Anywhere", 0) != 0) rule.skipped = true;  // one source only
      if (to == "OpenSSH") to = "22/tcp";
      const auto slash = to.find('/');
      const std::string ports = to.substr(0, slash), proto = slash == std::string::npos ? "" : to.substr(slash + 1);
      if (proto == "udp") rule.tcp = false;
      if (to.find(" on ") != std::string::npos || (!proto.empty() && proto != "tcp" && proto != "udp")) rule.skipped = true;
      else if (ports != "Anywhere") {
        if (auto r = iptables_ports(ports)) rule.dports = r;
        else rule.skipped = true;  // an application profile other than OpenSSH
      }
      (v6 ? chain6 : chain4).rules.push_back(rule);
    }
  }
  if (!status) throw Error(ErrorKind::data, "ufw status verbose printed no 'Status:' line");
  if (!active) return out;
  chain4.policy = chain6.policy = policy.value_or(Verdict::drop);
  out.chains.push_back(std::move(chain4));
  out.chains.push_back(std::move(chain6));
  return out;
}

}  // namespace bscbot::core::audit
