#pragma once
// The trade engine, as bscbotd uses it: it owns the JSON-RPC clients (public, and private when
// BSC_PRIVATE_RPC_URLS is set), the price cache, the quoter, the chain monitor, settlement, and
// one sender per trading wallet (wallet_lane.hpp). A swap request is validated, given a wallet
// (the one named, else the least busy) and queued in the database, where that wallet's sender
// (in this daemon or another one on the same PostgreSQL database) claims and sends it.
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/chain/eth.hpp"
#include "core/chain/rpc_client.hpp"
#include "core/chain/rpc_transport.hpp"
#include "core/chain/signer.hpp"
#include "core/db/store.hpp"
#include "core/db/trade.hpp"
#include "core/trade/chain_monitor.hpp"
#include "core/trade/hooks.hpp"
#include "core/trade/order.hpp"
#include "core/trade/price_cache.hpp"
#include "core/trade/quoter.hpp"
#include "core/trade/settings.hpp"
#include "core/trade/settlement.hpp"
#include "core/trade/wallet_lane.hpp"
#include "core/util/clock.hpp"

namespace bscbot::core::trade {

// A snapshot for /api/health and `bscbot health`; no RPC.
struct EngineStatus {
  ChainStatus chain;
  std::vector<chain::EndpointStatus> endpoints;          // BSC_RPC_URL(S)
  std::vector<chain::EndpointStatus> private_endpoints;  // BSC_PRIVATE_RPC_URLS
  std::vector<WalletStatus> wallets;
  std::vector<db::LeaseInfo> leases;                     // every wallet's lease, from the database
  int queue_length = 0;                                  // swaps queued and not yet sent, every wallet
  bool accepting_swaps = false;
  std::string refusal;                                   // why swaps are refused
  std::optional<double> last_quote_to_send_ms;
};

// Whether a quote also checks the wallet (balance, allowance), as a dry run does.
enum class CheckWallet { no, yes };

// What a cancel did: a queued swap is cancelled at once; a sent one gets a cancel transaction,
// and ends cancelled only when that is mined (or completed, if the swap won the race).
struct CancelResult {
  db::Trade trade;
  bool cancelled = false;  // final now
  bool requested = false;  // a cancel transaction will be sent by the wallet's sender
};

// This daemon's name in the wallet leases: host, pid and a random tag.
std::string default_owner();

class TradeEngine {
public:
  TradeEngine(EngineSettings settings, db::Store& store, std::vector<chain::PrivateKey> keys, EngineHooks hooks,
              std::shared_ptr<chain::RpcTransport> transport = nullptr, const Clock& clock = system_clock(),
              std::string owner = default_owner());
  ~TradeEngine();
  TradeEngine(const TradeEngine&) = delete;
  TradeEngine& operator=(const TradeEngine&) = delete;

  // Starts the chain monitor and the wallets' senders.
  void start();
  // Stops them; transactions in flight stay recorded for the next sender.
  void stop();

  // Quotes `request` through the router (and checks the wallet when asked). Throws
  // core::Error: usage for bad input, data for a path without liquidity, unavailable for RPC.
  Quote quote(const SwapRequest& request, CheckWallet check);

  // Validates and queues a swap; returns the new trade row. Repeats the insert while the
  // database is locked, for up to 25 s, rather than failing the request after the busy timeout.
  db::Trade submit(const SwapRequest& request);

  // Cancels a swap: queued → failed "cancelled" now; claimed or sent → requested from its sender.
  // Throws core::Error(not_found) or (conflict) naming why it cannot be.
  CancelResult cancel(std::int64_t id);

  // Asks the wallet's sender to replace a sent swap's transaction with a higher gas price now.
  db::Trade speed_up(std::int64_t id);

  // eth_gasPrice now, and what a swap would pay with GAS_PRICE_MULTIPLIER applied.
  std::pair<U256, U256> gas_price();

  EngineStatus status() const;

  // For the market endpoints: a token's symbol and decimals (read once), a pair's reserves
  // through the price cache, a wallet's BNB balance. RPC failures pass through.
  TokenInfo token_info(const chain::Address& token);
  PriceLookup pair_price(const chain::Address& a, const chain::Address& b);
  U256 balance(const chain::Address& wallet);

  const EngineSettings& settings() const { return m_settings; }
  std::size_t price_cache_size() const { return m_prices.size(); }
  // The wallets this daemon can sign for.
  std::vector<chain::Address> wallets() const;

private:
  void refresh_counts();
  void log(LogLevel level, const std::string& message) const;
  WalletLane* lane_of(const std::string& wallet);
  chain::Address choose_wallet(const SwapOrder& order);
  void wake(const std::string& wallet);

  EngineSettings m_settings;
  db::Store& m_store;
  EngineHooks m_hooks;
  const Clock& m_clock;
  std::shared_ptr<chain::RpcTransport> m_transport;

  chain::RpcClient m_public;
  chain::Eth m_public_eth;
  std::unique_ptr<chain::RpcClient> m_private;
  std::unique_ptr<chain::Eth> m_private_eth;
  PriceCache m_prices;
  Quoter m_quoter;
  Settlement m_settlement;
  ChainMonitor m_monitor;
  std::mutex m_publish_gate;  // see LaneContext::publish_gate
  LaneContext m_context;
  std::vector<std::unique_ptr<WalletLane>> m_lanes;

  mutable std::mutex m_mutex;  // guards the counts below
  int m_queue_length = 0;
  std::vector<db::LeaseInfo> m_leases;
};

}  // namespace bscbot::core::trade
