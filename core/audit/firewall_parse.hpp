#pragma once
// Readers of the firewall tools' outputs into the audit's model (core/audit/firewall_rules.hpp):
// `nft -j list ruleset`, `iptables -S` / `ip6tables -S` and `ufw status verbose`. Each throws
// core::Error(data) naming the tool when the text is not what that tool prints.
#include <string_view>

#include "core/audit/firewall_rules.hpp"

namespace bscbot::core::audit {

// `nft -j list ruleset`: the filter chains on the input hook of the ip, ip6 and inet families,
// and the regular chains they may jump to.
Ruleset parse_nft_json(std::string_view text);

// Whether `nft -j` shows rules through iptables-nft's compatibility expressions ("xt"), whose
// matches (conntrack, multiport) it cannot spell out: `iptables -S` then reads them better.
bool nft_has_xt(std::string_view text);

// `iptables -S` (`family` v4) or `ip6tables -S` (v6): INPUT and the user chains.
Ruleset parse_iptables_rules(std::string_view text, Family family);

// `ufw status verbose`; an inactive ufw is a ruleset without chains.
Ruleset parse_ufw_status(std::string_view text);

}  // namespace bscbot::core::audit
