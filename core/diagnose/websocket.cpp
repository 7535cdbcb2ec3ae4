// Problem 3 of the manual, "WebSocket disconnects": `curl -X POST <rpc> eth_blockNumber`,
// `tail -100 logs/api-server.log | grep "ping\|pong"`, `ping -c 10 <rpc host>`; and the
// WebSocketReconnectStorm alert (more than 10 reconnects an hour).
#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "core/config/mask.hpp"
#include "core/chain/rpc_transport.hpp"
#include "core/checks/log_scan.hpp"
#include "core/config/mask.hpp"
#include "core/diagnose/checks.hpp"

namespace bscbot::core::diagnose {

namespace {

constexpr int k_reconnects_per_hour_warn = 10;  // the manual's WebSocketReconnectStorm

struct WsLog {
  int connected = 0;
  int peak = 0;
  int missed_pongs = 0;
  int refused = 0;
  long long pings = 0, pongs = 0, dropped = 0;
  std::vector<std::string> examples;
};

WsLog scan(const std::vector<std::string>& lines) {
  static const std::regex connected(R"(WebSocket client \d+ (connected|disconnected) \((\d+) connected\))");
  static const std::regex heartbeat(R"(WebSocket heartbeat: ping sent (\d+), pong received (\d+), dropped (\d+))");
  WsLog w;
  for (const auto& line : lines) {
    std::smatch m;
    if (std::regex_search(line, m, connected)) {
      if (m[1] == "connected") ++w.connected;
      w.peak = std::max(w.peak, std::stoi(m[2]));
    } else if (std::regex_search(line, m, heartbeat)) {
      w.pings += std::stoll(m[1]);
      w.pongs += std::stoll(m[2]);
      w.dropped += std::stoll(m[3]);
    } else if (line.find("missed its pong") != std::string::npos) {
      ++w.missed_pongs;
      if (w.examples.size() < 2) w.examples.push_back(line);
    } else if (line.find("WebSocket connection refused") != std::string::npos) {
      ++w.refused;
    }
  }
  return w;
}

struct RpcAnswer {
  bool ok = false;
  std::string detail;
  double ms = 0;
};

RpcAnswer ask(chain::RpcTransport& rpc, const std::string& url, std::chrono::milliseconds timeout, std::uint64_t expected_chain) {
  RpcAnswer a;
  const auto started = std::chrono::steady_clock::now();
  try {
    const auto body = rpc.post(url, R"([{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]},)"
                                    R"({"jsonrpc":"2.0","id":2,"method":"eth_chainId","params":[]}])",
                               timeout);
    a.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    const auto j = nlohmann::json::parse(body);
    std::string block, chain;
    for (const auto& r : j.is_array() ? j : nlohmann::json::array({j})) {
      if (!r.contains("result") || !r["result"].is_string()) continue;
      (r.value("id", 0) == 1 ? block : chain) = r["result"].get<std::string>();
    }
    if (block.empty()) {
      a.detail = fmt::format("answered without a block number: {}", body.substr(0, 200));
      return a;
    }
    const auto chain_id = chain.empty() ? 0 : std::stoull(chain, nullptr, 16);
    a.ok = chain_id == 0 || chain_id == expected_chain;
    a.detail = fmt::format("block {}, chain id {}{}, {} ms", std::stoull(block, nullptr, 16), chain_id,
                           a.ok ? "" : fmt::format(" (expected {}: the wrong network)", expected_chain), checks::number_text(a.ms, 0));
  } catch (const std::exception& e) {
    a.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    a.detail = e.what();  // the transport already hides URL passwords
  }
  return a;
}

}  // namespace

std::vector<Finding> diagnose_websocket(const Context& c) {
  std::vector<Finding> out;
  const auto hour = log_lines_since(c.cfg, c.now - std::chrono::hours(1));
  const WsLog w = scan(hour);
  // Reconnects as the alert rule counts them: connections opened beyond the most held at once.
  const int reconnects = std::max(0, w.connected - w.peak);
  std::vector<std::string> evidence = {
      fmt::format("last hour of {}: {} connections opened, at most {} at once, {} refused (MAX_CONNECTIONS={})", c.cfg.log_file().string(),
                  w.connected, w.peak, w.refused, c.cfg.integer("MAX_CONNECTIONS")),
      fmt::format("heartbeat every {} ms: {} pings sent, {} pongs received, {} clients dropped for a missed pong",
                  c.cfg.integer("HEARTBEAT_INTERVAL_MS"), w.pings, w.pongs, w.dropped)};
  const auto& body = c.daemon.health.body;
  if (c.daemon.health.reachable && body.is_object()) {
    evidence.push_back(fmt::format("connected now: {}", body.value("websocket_connections", 0)));
  }
  if (!c.cfg.boolean("WEBSOCKET_ENABLED")) {
    out.push_back({Status::ok, "WEBSOCKET_ENABLED=false: bscbotd serves no WebSocket", evidence, ""});
  } else if (reconnects > k_reconnects_per_hour_warn) {
    out.push_back({Status::warn, fmt::format("{} WebSocket reconnects in the last hour (WebSocketReconnectStorm: > {})", reconnects, k_reconnects_per_hour_warn),
                   evidence, "check the clients' network and the RPC below; a longer HEARTBEAT_INTERVAL_MS tolerates slow links"});
  } else {
    out.push_back({Status::ok, fmt::format("{} reconnect(s) in the last hour", reconnects), evidence, ""});
  }
  const long long missed = std::max<long long>(w.dropped, w.missed_pongs);
  if (missed > 0) {
    Finding f{Status::warn, fmt::format("{} client(s) missed a pong in the last hour and were dropped", missed), w.examples,
              fmt::format("clients must answer pings within HEARTBEAT_INTERVAL_MS={} ms; raise it for slow or mobile links",
                          c.cfg.integer("HEARTBEAT_INTERVAL_MS"))};
    out.push_back(std::move(f));
  }

  // The RPC endpoints, as the manual's curl asks them: block number, chain id, latency.
  if (!c.cfg.boolean("CHAIN_ENABLED")) {
    out.push_back({Status::ok, "CHAIN_ENABLED=false: bscbotd uses no RPC endpoint", {}, ""});
    return out;
  }
  const auto timeout = std::min(c.options.timeout, std::chrono::milliseconds(c.cfg.integer("RPC_TIMEOUT_MS")));
  const auto expected = static_cast<std::uint64_t>(c.cfg.integer("CHAIN_ID"));
  int good = 0;
  std::vector<std::string> rpc_evidence;
  const auto urls = c.cfg.rpc_urls();
  for (const auto& url : urls) {
    const RpcAnswer a = ask(*c.edges.rpc, url, timeout, expected);
    good += a.ok;
    rpc_evidence.push_back(fmt::format("{}: {}", config::mask_url(url), a.detail));
  }
  if (body.is_object() && body.contains("chain") && body["chain"].contains("endpoints")) {
    for (const auto& e : body["chain"]["endpoints"]) {
      rpc_evidence.push_back(fmt::format("bscbotd's view of {}: {} calls, {} failures, last latency {} ms", e.value("url", ""),
                                         e.value("calls", 0), e.value("failures", 0),
                                         e.contains("last_latency_ms") && e["last_latency_ms"].is_number() ? checks::number_text(e["last_latency_ms"].get<double>(), 0) : "-"));
    }
  }
  if (good == 0) {
    out.push_back({Status::crit, fmt::format("no RPC endpoint answers ({} tried)", urls.size()), rpc_evidence,
                   "switch BSC_RPC_URL to a working node (e.g. https://bsc-dataseed2.binance.org/) and list fallbacks in BSC_RPC_URLS"});
  } else if (good < static_cast<int>(urls.size())) {
    out.push_back({Status::warn, fmt::format("{} of {} RPC endpoints answer", good, urls.size()), rpc_evidence,
                   "replace the failing endpoints in BSC_RPC_URL / BSC_RPC_URLS"});
  } else {
    out.push_back({Status::ok, fmt::format("all {} RPC endpoint(s) answer", urls.size()), rpc_evidence, ""});
  }
  return out;
}

}  // namespace bscbot::core::diagnose
