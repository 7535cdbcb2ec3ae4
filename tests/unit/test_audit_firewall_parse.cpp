// The firewall tools' outputs, as nft 1.0.6, iptables 1.8.9 (nf_tables) and ufw 0.36 print them on
// Debian 12, read into the audit's model and judged port by port.
#include <doctest/doctest.h>

#include "core/audit/firewall_parse.hpp"
#include "core/error.hpp"

using namespace bscbot::core;
using namespace bscbot::core::audit;

namespace {

// `nft -j list ruleset` of a hand-written inet table: policy drop, established, loopback, ssh,
// a set with a range, a source-limited rule, icmp, and a jump to a regular chain.
const char* const k_nft_native = R"({"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"table": {"family": "inet", "name": "filter", "handle": 1}}, {"chain": {"family": "inet", "table": "filter", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}}, {"chain": {"family": "inet", "table": "filter", "name": "extra", "handle": 2}}, {"chain": {"family": "inet", "table": "filter", "name": "forward", "handle": 3, "type": "filter", "hook": "forward", "prio": 0, "policy": "drop"}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 4, "expr": [{"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["established", "related"]}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 5, "expr": [{"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": "invalid"}}, {"drop": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 6, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "iif"}}, "right": "lo"}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 7, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": {"prefix": {"addr": "10.0.0.0", "len": 8}}}}, {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 5432}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 8, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 22}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 10, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": {"set": [{"range": [8080, 8090]}, 10001]}}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 11, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": "icmp"}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 12, "expr": [{"jump": {"target": "extra"}}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "extra", "handle": 13, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 9100}}, {"counter": {"packets": 0, "bytes": 0}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "extra", "handle": 14, "expr": [{"return": null}]}}]})";

// `iptables -S` of ufw's chains (limit 22/tcp, allow 10001, 80,443,6000:6007/tcp, 5432 from 10/8).
const char* const k_iptables_ufw = R"(-P INPUT DROP
-P FORWARD DROP
-P OUTPUT ACCEPT
-N ufw-before-input
-N ufw-user-input
-N ufw-user-limit
-N ufw-user-limit-accept
-A INPUT -j ufw-before-input
-A INPUT -j ufw-user-input
-A ufw-before-input -i lo -j ACCEPT
-A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A ufw-before-input -m conntrack --ctstate INVALID -j DROP
-A ufw-before-input -p icmp -m icmp --icmp-type 8 -j ACCEPT
-A ufw-user-input -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -m recent --set --name DEFAULT --mask 255.255.255.255 --rsource
-A ufw-user-input -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -m recent --update --seconds 30 --hitcount 6 --name DEFAULT --mask 255.255.255.255 --rsource -j ufw-user-limit
-A ufw-user-input -p tcp -m tcp --dport 22 -j ufw-user-limit-accept
-A ufw-user-input -p tcp -m tcp --dport 10001 -j ACCEPT
-A ufw-user-input -p tcp -m multiport --dports 80,443,6000:6007 -j ACCEPT
-A ufw-user-input -s 10.0.0.0/8 -p tcp -m tcp --dport 5432 -j ACCEPT
-A ufw-user-limit -m limit --limit 3/min -j LOG --log-prefix "[UFW LIMIT BLOCK] "
-A ufw-user-limit -j REJECT --reject-with icmp-port-unreachable
-A ufw-user-limit-accept -j ACCEPT
)";

const char* const k_ufw_active = R"(Status: active
Logging: on (low)
Default: deny (incoming), allow (outgoing), disabled (routed)
New profiles: skip

To                         Action      From
--                         ------      ----
22/tcp                     LIMIT IN    Anywhere
10001/tcp                  ALLOW IN    Anywhere
80,443/tcp                 ALLOW IN    Anywhere                   # web
5432                       ALLOW IN    10.0.0.0/8
3000                       DENY IN     Anywhere
22/tcp (v6)                LIMIT IN    Anywhere (v6)
10001/tcp (v6)             ALLOW IN    Anywhere (v6)
9100/tcp (v6)              ALLOW IN    Anywhere (v6)
)";

}  // namespace

TEST_CASE("firewall_parse: nft -j with a native inet table") {
  const Ruleset r = parse_nft_json(k_nft_native);
  CHECK(r.chains.size() == 2);  // input and extra; forward never sees a local connection
  CHECK(verdict_for(r, Family::v4, std::nullopt) == Verdict::drop);
  CHECK(verdict_for(r, Family::v6, std::nullopt) == Verdict::drop);
  for (int open : {22, 10001, 8080, 8085, 8090, 9100}) CHECK_MESSAGE(verdict_for(r, Family::v4, open) == Verdict::accept, open);
  for (int shut : {21, 5432, 8079, 8091, 3306}) CHECK_MESSAGE(verdict_for(r, Family::v6, shut) == Verdict::drop, shut);
  CHECK(skipped_rules(r) == 1);  // the 10.0.0.0/8 rule
  const auto ports = accepted_ports(r, Family::both);
  REQUIRE(ports.size() == 4);
  CHECK(port_text(ports[1]) == "8080-8090");
  CHECK(!nft_has_xt(k_nft_native));
}

TEST_CASE("firewall_parse: nft -j of an empty ruleset has no input chain; garbage is refused") {
  const Ruleset r = parse_nft_json(R"({"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}]})");
  CHECK(!has_input_chain(r, Family::v4));
  CHECK(verdict_for(r, Family::v4, 3306) == Verdict::accept);
  CHECK_THROWS_AS(parse_nft_json("netlink: Error: cache initialization failed"), Error);
}

TEST_CASE("firewall_parse: nft -j of iptables-nft rules shows xt expressions") {
  // ufw's chains as nft shows them: conntrack and multiport are opaque, REJECT an xt target.
  const char* const text = R"({"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"table": {"family": "ip", "name": "filter", "handle": 1}}, {"chain": {"family": "ip", "table": "filter", "name": "INPUT", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}}, {"chain": {"family": "ip", "table": "filter", "name": "ufw-user-input", "handle": 5}}, {"chain": {"family": "ip", "table": "filter", "name": "ufw-user-limit", "handle": 6}}, {"rule": {"family": "ip", "table": "filter", "chain": "INPUT", "handle": 9, "expr": [{"counter": {"packets": 0, "bytes": 0}}, {"jump": {"target": "ufw-user-input"}}]}}, {"rule": {"family": "ip", "table": "filter", "chain": "ufw-user-input", "handle": 15, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 22}}, {"xt": {"type": "match", "name": "conntrack"}}, {"xt": {"type": "match", "name": "recent"}}, {"counter": {"packets": 0, "bytes": 0}}, {"jump": {"target": "ufw-user-limit"}}]}}, {"rule": {"family": "ip", "table": "filter", "chain": "ufw-user-input", "handle": 17, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 10001}}, {"counter": {"packets": 0, "bytes": 0}}, {"accept": null}]}}, {"rule": {"family": "ip", "table": "filter", "chain": "ufw-user-input", "handle": 18, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": "tcp"}}, {"xt": {"type": "match", "name": "multiport"}}, {"counter": {"packets": 0, "bytes": 0}}, {"accept": null}]}}, {"rule": {"family": "ip", "table": "filter", "chain": "ufw-user-limit", "handle": 21, "expr": [{"counter": {"packets": 0, "bytes": 0}}, {"xt": {"type": "target", "name": "REJECT"}}]}}]})";
  CHECK(nft_has_xt(text));
  const Ruleset r = parse_nft_json(text);
  CHECK(verdict_for(r, Family::v4, 10001) == Verdict::accept);
  CHECK(verdict_for(r, Family::v4, 80) == Verdict::drop);  // behind multiport, which nft cannot spell out
  CHECK(verdict_for(r, Family::v6, 80) == Verdict::accept);  // an ip table says nothing of IPv6
  CHECK(skipped_rules(r) == 2);
}

TEST_CASE("firewall_parse: iptables -S of ufw's chains") {
  const Ruleset r = parse_iptables_rules(k_iptables_ufw, Family::v4);
  CHECK(verdict_for(r, Family::v4, std::nullopt) == Verdict::drop);
  // limit 22/tcp: the rate-limit jump is left out, the accept behind it reached.
  for (int open : {22, 10001, 80, 443, 6000, 6007}) CHECK_MESSAGE(verdict_for(r, Family::v4, open) == Verdict::accept, open);
  for (int shut : {5432, 6008, 8080}) CHECK_MESSAGE(verdict_for(r, Family::v4, shut) == Verdict::drop, shut);
  CHECK(verdict_for(r, Family::v6, 8080) == Verdict::accept);  // iptables says nothing of IPv6
  CHECK(skipped_rules(r) == 2);  // the recent jump and the 10.0.0.0/8 rule
}

TEST_CASE("firewall_parse: iptables -S with policy ACCEPT and a final DROP, and a bare default") {
  const Ruleset r = parse_iptables_rules("-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n"
                                         "-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n"
                                         "-A INPUT -p udp -m udp --dport 53 -j ACCEPT\n-A INPUT -j DROP\n",
                                         Family::v4);
  CHECK(verdict_for(r, Family::v4, std::nullopt) == Verdict::drop);
  CHECK(verdict_for(r, Family::v4, 22) == Verdict::accept);
  CHECK(verdict_for(r, Family::v4, 53) == Verdict::drop);  // udp
  const Ruleset open = parse_iptables_rules("-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n", Family::v6);
  CHECK(has_input_chain(open, Family::v6));
  CHECK(verdict_for(open, Family::v6, std::nullopt) == Verdict::accept);
  CHECK_THROWS_AS(parse_iptables_rules("iptables v1.8.9 (nf_tables): Could not fetch rule set generation id\n", Family::v4), Error);
}

TEST_CASE("firewall_parse: ufw status verbose, active and inactive") {
  const Ruleset r = parse_ufw_status(k_ufw_active);
  CHECK(verdict_for(r, Family::v4, std::nullopt) == Verdict::drop);
  for (int open : {22, 10001, 80, 443}) CHECK_MESSAGE(verdict_for(r, Family::v4, open) == Verdict::accept, open);
  CHECK(verdict_for(r, Family::v4, 5432) == Verdict::drop);  // one source only
  CHECK(verdict_for(r, Family::v4, 3000) == Verdict::drop);
  CHECK(verdict_for(r, Family::v4, 9100) == Verdict::drop);
  CHECK(verdict_for(r, Family::v6, 9100) == Verdict::accept);
  CHECK(verdict_for(r, Family::v6, 80) == Verdict::drop);
  const Ruleset off = parse_ufw_status("Status: inactive\n");
  CHECK(off.chains.empty());
  CHECK(verdict_for(off, Family::v4, 3306) == Verdict::accept);
  CHECK_THROWS_AS(parse_ufw_status("ERROR: You need to be root to run this script\n"), Error);
}
