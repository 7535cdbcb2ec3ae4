// Problem 5 of the manual, "High trade failure rate": the success-rate query, the failures of
// the day grouped (the manual grouped by status; we group failures by their reason), the gas
// price and slippage settings, and the decision tree's branches (gas too low -> raise
// GAS_PRICE_MULTIPLIER, slippage too low -> raise DEFAULT_SLIPPAGE, insufficient liquidity ->
// check the pair), with the chain asked for the pair's reserves and the wallet's balance.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/chain/eth.hpp"
#include "core/chain/rpc_client.hpp"
#include "core/checks/database_checks.hpp"
#include "core/db/store.hpp"
#include "core/diagnose/checks.hpp"
#include "core/trade/pancake.hpp"
#include "core/util/wei.hpp"

namespace bscbot::core::diagnose {

namespace {

struct Reason {
  std::string name;
  std::int64_t count = 0;
  std::vector<const db::Trade*> trades;  // newest first
};

// The reason of a failed trade, from the words the trade engine records ("slippage: ...",
// "not sent: ...", "dropped: ..."), refined where the remedy differs.
std::string reason_of(const db::Trade& t) {
  const std::string error = t.error.value_or("");
  const auto colon = error.find(':');
  std::string reason = colon == std::string::npos ? (error.empty() ? "unknown" : error) : error.substr(0, colon);
  auto has = [&](std::string_view word) { return error.find(word) != std::string::npos; };
  if (reason == "not sent" && (has("nonce") || has("replacement transaction underpriced"))) return "nonce";
  if (reason == "not sent" && (has("underpriced") || has("gas price") || has("intrinsic gas"))) return "gas too low";
  if (reason == "reverted" && t.gas_used && t.gas_limit && *t.gas_used >= *t.gas_limit) return "out of gas";
  if (reason == "dropped") return "dropped";
  return reason;
}

std::string remedy(const std::string& reason, const config::Config& cfg) {
  if (reason == "slippage") {
    return fmt::format("raise DEFAULT_SLIPPAGE (now {} %; the manual: 0.5 -> 1.0) or pass --slippage, or trade smaller amounts",
                       cfg.text("DEFAULT_SLIPPAGE"));
  }
  if (reason == "insufficient liquidity") return "the pair holds too little for this size (reserves below): trade smaller or route through another pair";
  if (reason == "insufficient balance") return "fund the wallet (balances below) or trade less; keep BNB for gas";
  if (reason == "dropped" || reason == "gas too low") {
    return fmt::format("gas price too low for the network: raise GAS_PRICE_MULTIPLIER (now {}; the manual: 1.2), and check the node "
                       "(`bscbot diagnose websocket`)",
                       cfg.text("GAS_PRICE_MULTIPLIER"));
  }
  if (reason == "out of gas") {
    return fmt::format("raise DEFAULT_GAS_LIMIT (now {}; the manual: 500000 -> 600000) or set ESTIMATE_GAS=true", cfg.text("DEFAULT_GAS_LIMIT"));
  }
  if (reason == "nonce") return "nonces out of step with the chain: `bscbot daemon restart` resyncs them; make sure no other program sends from this wallet";
  if (reason == "deadline expired") {
    return fmt::format("mined after the deadline: raise DEFAULT_DEADLINE_SECONDS (now {}) or GAS_PRICE_MULTIPLIER", cfg.text("DEFAULT_DEADLINE_SECONDS"));
  }
  if (reason == "not sent") return "the node refused the transaction: `bscbot diagnose websocket` (RPC health), then `bscbot trade show ID`";
  if (reason == "reverted") return "the contract reverted: read the reason with `bscbot trade show ID`";
  if (reason == "cancelled by operator") return "";
  return "see `bscbot trade show ID`";
}

// The pair reserves and wallet balances the failures point at, read from the chain.
std::vector<std::string> chain_facts(const Context& c, const std::map<std::string, Reason>& reasons) {
  std::vector<std::string> facts;
  const bool liquidity = reasons.count("insufficient liquidity") > 0;
  const bool balance = reasons.count("insufficient balance") > 0;
  if (!liquidity && !balance) return facts;
  if (!c.cfg.boolean("CHAIN_ENABLED")) {
    facts.push_back("reserves and balances not read: CHAIN_ENABLED=false");
    return facts;
  }
  try {
    chain::RpcOptions o;
    o.timeout = std::min(c.options.timeout, std::chrono::milliseconds(c.cfg.integer("RPC_TIMEOUT_MS")));
    o.retries = 0;
    chain::RpcClient rpc(c.cfg.rpc_urls(), o, c.edges.rpc);
    chain::Eth eth(rpc);
    trade::Pancake pancake(eth, trade::Contracts{chain::Address::parse(c.cfg.text("ROUTER_ADDRESS")),
                                                 chain::Address::parse(c.cfg.text("FACTORY_ADDRESS")),
                                                 chain::Address::parse(c.cfg.text("WBNB_ADDRESS"))});
    std::set<std::pair<std::string, std::string>> pairs;
    if (liquidity) {
      for (const db::Trade* t : reasons.at("insufficient liquidity").trades) {
        std::vector<std::string> hops;
        std::string path = t->path;
        for (std::size_t start = 0; start <= path.size();) {
          const auto comma = path.find(',', start);
          const std::string hop = path.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
          if (!hop.empty()) hops.push_back(hop);
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
        if (hops.size() < 2) hops = {t->token_in, t->token_out};
        for (std::size_t i = 0; i + 1 < hops.size() && pairs.size() < 3; ++i) pairs.insert({hops[i], hops[i + 1]});
      }
      for (const auto& [a, b] : pairs) {
        const auto pair = pancake.get_pair(chain::Address::parse(a), chain::Address::parse(b));
        if (pair == chain::Address{}) {
          facts.push_back(fmt::format("pair {}/{}: does not exist on the factory", a, b));
          continue;
        }
        const auto [r0, r1, ts] = pancake.get_reserves(pair);
        facts.push_back(fmt::format("pair {} ({}/{}): reserves {} and {} (raw units)", pair.to_hex(), a, b, to_decimal(r0), to_decimal(r1)));
      }
    }
    if (balance) {
      std::set<std::string> wallets;
      for (const db::Trade* t : reasons.at("insufficient balance").trades) wallets.insert(t->wallet_address);
      for (const auto& w : wallets) {
        const auto bnb = eth.get_balance(chain::Address::parse(w));
        facts.push_back(fmt::format("wallet {}: {} BNB", w, format_units(bnb, 18)));
      }
    }
  } catch (const std::exception& e) {
    facts.push_back(std::string("the chain could not be asked: ") + e.what());
  }
  return facts;
}

}  // namespace

std::vector<Finding> diagnose_trades(const Context& c) {
  std::vector<Finding> out;
  std::unique_ptr<db::Store> store;
  try {
    store = db::open_store(c.cfg, db::Access::read_only);
  } catch (const std::exception& e) {
    out.push_back({Status::unknown, std::string("trades cannot be read: ") + e.what(), {}, "bscbot diagnose database"});
    return out;
  }
  db::TradeStore& repo = store->trades();
  const SystemTime since = c.now - c.options.window;
  const db::TradeStats stats = repo.stats(since);
  const checks::CheckResult rate = checks::check_success_rate(stats, {c.cfg.number("SUCCESS_RATE_WARN_PCT"), c.cfg.number("SUCCESS_RATE_CRIT_PCT")});
  Finding head{rate.status == Status::unknown ? Status::ok : rate.status,
               fmt::format("success rate over the last {} h: {} ({})", c.options.window.count(), rate.value, rate.threshold),
               {fmt::format("{} trades: {} completed, {} failed, {} pending", stats.total, stats.completed, stats.failed, stats.pending)},
               ""};
  if (stats.total == 0) head.title = fmt::format("no trades in the last {} h", c.options.window.count());
  db::HistoryQuery q;
  q.limit = 1000;
  q.status = db::TradeStatus::failed;
  q.since = since;
  const auto failed = repo.history(q);
  std::map<std::string, Reason> reasons;
  for (const auto& t : failed) {
    Reason& r = reasons[reason_of(t)];
    r.name = reason_of(t);
    ++r.count;
    if (r.trades.size() < 5) r.trades.push_back(&t);
  }
  std::vector<const Reason*> ranked;
  for (const auto& [name, r] : reasons) ranked.push_back(&r);
  std::stable_sort(ranked.begin(), ranked.end(), [](const Reason* a, const Reason* b) { return a->count > b->count; });
  if (!ranked.empty() && (head.status == Status::warn || head.status == Status::crit)) {
    head.fix = fmt::format("the most frequent reason is {}: {}", ranked.front()->name, remedy(ranked.front()->name, c.cfg));
  }
  out.push_back(std::move(head));

  const auto facts = chain_facts(c, reasons);
  const Status level = out.front().status;
  for (const Reason* r : ranked) {
    Finding f{level == Status::ok ? Status::ok : level,
              fmt::format("{}: {} failed trade(s), {} % of the failures", r->name, r->count,
                          checks::number_text(static_cast<double>(r->count) * 100.0 / static_cast<double>(failed.size()), 1)),
              {}, remedy(r->name, c.cfg)};
    if (r->name == "cancelled by operator") f.status = Status::ok;
    for (const db::Trade* t : r->trades) {
      f.evidence.push_back(fmt::format("trade {} at {}: {}{}", t->id, to_sql_datetime(t->created_at), t->error.value_or("(no error text)"),
                                       t->gas_price ? fmt::format(" (gas price {} wei)", t->gas_price->decimal()) : ""));
    }
    if (r->name == "insufficient liquidity" || r->name == "insufficient balance") {
      for (const auto& fact : facts) {
        if ((r->name == "insufficient liquidity") == (fact.rfind("pair", 0) == 0) || fact.rfind("reserves", 0) == 0 || fact.rfind("the chain", 0) == 0) {
          f.evidence.push_back(fact);
        }
      }
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace bscbot::core::diagnose
